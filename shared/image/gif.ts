import { ApiError } from '../errors/api-error.ts';
import { FLATTEN_BACKGROUND, type Raster } from './raster.ts';

/**
 * First-frame GIF decoder. GIF is LZW over palette indices: small and fast
 * enough in TypeScript that no WASM codec is needed. `probeImage` has already
 * checked the block structure and the pixel budget; this still bounds every
 * loop by the input length because it is fed hostile bytes.
 */
export function decodeGifFirstFrame(b: Uint8Array): Raster {
  const corrupt = (detail: string) => new ApiError(422, 'corrupt_image', `The GIF is corrupt: ${detail}`);
  const width = b[6]! | (b[7]! << 8);
  const height = b[8]! | (b[9]! << 8);
  const packed = b[10]!;
  let offset = 13;
  let globalPalette: Uint8Array | undefined;
  if (packed & 0x80) {
    const size = 3 * (2 << (packed & 7));
    globalPalette = b.subarray(offset, offset + size);
    offset += size;
  }
  let transparent = -1;
  while (offset < b.length) {
    const block = b[offset]!;
    if (block === 0x21) {
      const label = b[offset + 1]!;
      if (label === 0xf9 && b[offset + 2] === 4 && (b[offset + 3]! & 1)) transparent = b[offset + 6]!;
      offset += 2;
      while (offset < b.length && b[offset] !== 0) offset += 1 + b[offset]!;
      offset++;
      continue;
    }
    if (block !== 0x2c) throw corrupt('expected an image descriptor.');
    const left = b[offset + 1]! | (b[offset + 2]! << 8);
    const top = b[offset + 3]! | (b[offset + 4]! << 8);
    const fw = b[offset + 5]! | (b[offset + 6]! << 8);
    const fh = b[offset + 7]! | (b[offset + 8]! << 8);
    const local = b[offset + 9]!;
    offset += 10;
    let palette = globalPalette;
    if (local & 0x80) {
      const size = 3 * (2 << (local & 7));
      palette = b.subarray(offset, offset + size);
      offset += size;
    }
    if (!palette) throw corrupt('the frame has no colour table.');
    const interlaced = (local & 0x40) !== 0;
    const minCodeSize = b[offset++]!;
    if (minCodeSize < 2 || minCodeSize > 8) throw corrupt('bad LZW code size.');
    // Join the data sub-blocks: the LZW stream runs across them.
    let total = 0;
    for (let p = offset; p < b.length && b[p] !== 0; p += 1 + b[p]!) total += b[p]!;
    const lzw = new Uint8Array(total);
    let w = 0;
    while (offset < b.length && b[offset] !== 0) {
      const n = b[offset]!;
      lzw.set(b.subarray(offset + 1, offset + 1 + n), w);
      w += n;
      offset += 1 + n;
    }
    const indices = decodeLzw(lzw, minCodeSize, fw * fh);
    return composeFrame({ width, height, left, top, fw, fh, indices, palette, transparent, interlaced });
  }
  throw corrupt('no image frame.');
}

function decodeLzw(data: Uint8Array, minCodeSize: number, pixelCount: number): Uint8Array {
  const out = new Uint8Array(pixelCount);
  const clear = 1 << minCodeSize;
  const eoi = clear + 1;
  const prefix = new Int16Array(4096);
  const suffix = new Uint8Array(4096);
  const stack = new Uint8Array(4097);
  let codeSize = minCodeSize + 1;
  let next = eoi + 1;
  let prev = -1;
  let first = 0;
  let bits = 0;
  let bitCount = 0;
  let pos = 0;
  let outPos = 0;
  for (let i = 0; i < clear; i++) {
    prefix[i] = -1;
    suffix[i] = i;
  }
  while (outPos < pixelCount) {
    while (bitCount < codeSize) {
      if (pos >= data.length) return out; // short streams leave the rest as index 0, as browsers do
      bits |= data[pos++]! << bitCount;
      bitCount += 8;
    }
    const code = bits & ((1 << codeSize) - 1);
    bits >>>= codeSize;
    bitCount -= codeSize;
    if (code === clear) {
      codeSize = minCodeSize + 1;
      next = eoi + 1;
      prev = -1;
      continue;
    }
    if (code === eoi) break;
    let sp = 0;
    let c = code;
    if (prev === -1) {
      if (code >= clear) break; // invalid first code
      out[outPos++] = code;
      first = code;
      prev = code;
      continue;
    }
    if (code >= next) {
      if (code > next) break; // corrupt: stop decoding, keep what we have
      stack[sp++] = first;
      c = prev;
    }
    while (c >= clear && sp < 4096) {
      stack[sp++] = suffix[c]!;
      c = prefix[c]!;
    }
    first = c;
    stack[sp++] = c;
    while (sp > 0 && outPos < pixelCount) out[outPos++] = stack[--sp]!;
    if (next < 4096) {
      prefix[next] = prev;
      suffix[next] = first;
      next++;
      if (next === 1 << codeSize && codeSize < 12) codeSize++;
    }
    prev = code;
  }
  return out;
}

interface Frame {
  width: number;
  height: number;
  left: number;
  top: number;
  fw: number;
  fh: number;
  indices: Uint8Array;
  palette: Uint8Array;
  transparent: number;
  interlaced: boolean;
}

function composeFrame(f: Frame): Raster {
  const out = new Uint8Array(f.width * f.height * 3);
  // Outside the first frame and under transparent pixels the canvas is
  // transparent; flatten it onto the same background as other formats.
  const [br, bg, bb] = FLATTEN_BACKGROUND;
  for (let i = 0; i < out.length; i += 3) {
    out[i] = br;
    out[i + 1] = bg;
    out[i + 2] = bb;
  }
  const rowOrder = f.interlaced ? interlacedRows(f.fh) : undefined;
  for (let r = 0; r < f.fh; r++) {
    const y = f.top + (rowOrder ? rowOrder[r]! : r);
    if (y >= f.height) continue;
    for (let x = 0; x < f.fw; x++) {
      const dx = f.left + x;
      if (dx >= f.width) break;
      const idx = f.indices[r * f.fw + x]!;
      if (idx === f.transparent) continue;
      const p = idx * 3;
      if (p + 2 >= f.palette.length) continue;
      const d = (y * f.width + dx) * 3;
      out[d] = f.palette[p]!;
      out[d + 1] = f.palette[p + 1]!;
      out[d + 2] = f.palette[p + 2]!;
    }
  }
  return { width: f.width, height: f.height, data: out };
}

/** Maps the n-th stored row of an interlaced GIF to its display row. */
function interlacedRows(height: number): Int32Array {
  const rows = new Int32Array(height);
  let n = 0;
  for (const [start, step] of [[0, 8], [4, 8], [2, 4], [1, 2]] as const) {
    for (let y = start; y < height; y += step) rows[n++] = y;
  }
  return rows;
}
