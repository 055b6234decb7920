// Test-side image input for the model checks: decode a fixture photo with @jsquash (wasm
// compiled from bytes, which Node allows) and resize it to the model's input. The resize
// is a plain bilinear sampler with half-pixel centres after a box pre-filter; it only has
// to be deterministic, since the converted model and the reference get the same pixels.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface Rgb { width: number; height: number; data: Uint8Array } // RGB, row-major

const require = createRequire(import.meta.url);
let ready: Promise<void> | null = null;
let jpegDecode: (b: ArrayBuffer) => Promise<{ width: number; height: number; data: Uint8ClampedArray }>;
let pngDecode: (b: ArrayBuffer) => Promise<{ width: number; height: number; data: Uint8ClampedArray }>;

async function init(): Promise<void> {
  // Node has no ImageData; the codecs only need a constructor with this shape.
  const g = globalThis as Record<string, unknown>;
  g.ImageData ??= class { data: Uint8ClampedArray; width: number; height: number; constructor(d: Uint8ClampedArray, w: number, h: number) { this.data = d; this.width = w; this.height = h; } };
  const jpeg = await import('@jsquash/jpeg/decode.js');
  await jpeg.init(await WebAssembly.compile(readFileSync(require.resolve('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm'))));
  jpegDecode = jpeg.default as typeof jpegDecode;
  const png = await import('@jsquash/png/decode.js');
  await png.init(await WebAssembly.compile(readFileSync(require.resolve('@jsquash/png/codec/pkg/squoosh_png_bg.wasm'))));
  pngDecode = png.decode as typeof pngDecode;
}

export async function decodeFile(path: string): Promise<Rgb> {
  ready ??= init();
  await ready;
  const bytes = readFileSync(path);
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const isPng = bytes[0] === 0x89 && bytes[1] === 0x50;
  const img = isPng ? await pngDecode(ab) : await jpegDecode(ab);
  const rgb = new Uint8Array(img.width * img.height * 3);
  for (let i = 0, j = 0; i < img.width * img.height * 4; i += 4, j += 3) {
    rgb[j] = img.data[i]; rgb[j + 1] = img.data[i + 1]; rgb[j + 2] = img.data[i + 2];
  }
  return { width: img.width, height: img.height, data: rgb };
}

// Box-average down by an integer factor so the bilinear step never skips pixels.
function boxShrink(img: Rgb, factor: number): Rgb {
  if (factor <= 1) return img;
  const w = Math.floor(img.width / factor);
  const h = Math.floor(img.height / factor);
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
    let s = 0;
    for (let dy = 0; dy < factor; dy++) for (let dx = 0; dx < factor; dx++) s += img.data[((y * factor + dy) * img.width + x * factor + dx) * 3 + c];
    out[(y * w + x) * 3 + c] = Math.round(s / (factor * factor));
  }
  return { width: w, height: h, data: out };
}

// Resamples the source rectangle (sx, sy, sw, sh) to W x H with bilinear interpolation.
function bilinear(img: Rgb, sx: number, sy: number, sw: number, sh: number, W: number, H: number): Uint8Array {
  const out = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    const fy = Math.min(Math.max(sy + (y + 0.5) * (sh / H) - 0.5, 0), img.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, img.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < W; x++) {
      const fx = Math.min(Math.max(sx + (x + 0.5) * (sw / W) - 0.5, 0), img.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, img.width - 1);
      const wx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const p = (yy: number, xx: number) => img.data[(yy * img.width + xx) * 3 + c];
        const v = (p(y0, x0) * (1 - wx) + p(y0, x1) * wx) * (1 - wy) + (p(y1, x0) * (1 - wx) + p(y1, x1) * wx) * wy;
        out[(y * W + x) * 3 + c] = Math.round(v);
      }
    }
  }
  return out;
}

// "crop": shortest edge to size then centre crop; "squash": stretch the whole image.
export function toInput(img: Rgb, size: number, resize: 'crop' | 'squash'): Uint8Array {
  const factor = Math.max(1, Math.floor(Math.min(img.width, img.height) / (2 * size)));
  const src = boxShrink(img, factor);
  if (resize === 'squash') return bilinear(src, 0, 0, src.width, src.height, size, size);
  const side = Math.min(src.width, src.height);
  return bilinear(src, (src.width - side) / 2, (src.height - side) / 2, side, side, size, size);
}

export async function loadPhoto(path: string, size: number, resize: 'crop' | 'squash'): Promise<Uint8Array> {
  return toInput(await decodeFile(path), size, resize);
}
