/**
 * libwebp's still-image decoder refuses animated files. The first frame of
 * an animation is an ANMF chunk wrapping an ordinary bitstream (optional ALPH
 * + VP8, or VP8L), so it is re-wrapped as a still WebP and decoded normally.
 */
export interface WebpFrame {
  still: Uint8Array;
  x: number;
  y: number;
  width: number;
  height: number;
}

const u24 = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16);

export function firstAnimationFrame(b: Uint8Array): WebpFrame | undefined {
  const end = Math.min(b.length, ((b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24)) >>> 0) + 8);
  let offset = 12;
  while (offset + 8 <= end) {
    const type = String.fromCharCode(b[offset]!, b[offset + 1]!, b[offset + 2]!, b[offset + 3]!);
    const size = (b[offset + 4]! | (b[offset + 5]! << 8) | (b[offset + 6]! << 16) | (b[offset + 7]! << 24)) >>> 0;
    const data = offset + 8;
    if (type === 'ANMF' && size >= 16 && data + size <= end) {
      const x = u24(b, data) * 2;
      const y = u24(b, data + 3) * 2;
      const width = u24(b, data + 6) + 1;
      const height = u24(b, data + 9) + 1;
      const payload = b.subarray(data + 16, data + size);
      const hasAlpha = String.fromCharCode(payload[0]!, payload[1]!, payload[2]!, payload[3]!) === 'ALPH';
      // ALPH needs a VP8X header declaring alpha; a bare VP8/VP8L needs none.
      const vp8x = hasAlpha ? vp8xChunk(width, height) : new Uint8Array(0);
      const riffSize = 4 + vp8x.length + payload.length;
      const still = new Uint8Array(8 + riffSize);
      still.set([0x52, 0x49, 0x46, 0x46, riffSize & 255, (riffSize >> 8) & 255, (riffSize >> 16) & 255, riffSize >>> 24, 0x57, 0x45, 0x42, 0x50]);
      still.set(vp8x, 12);
      still.set(payload, 12 + vp8x.length);
      return { still, x, y, width, height };
    }
    offset = data + size + (size & 1);
  }
  return undefined;
}

function vp8xChunk(width: number, height: number): Uint8Array {
  const chunk = new Uint8Array(18);
  chunk.set([0x56, 0x50, 0x38, 0x58, 10, 0, 0, 0, 0x10]);
  const w = width - 1;
  const h = height - 1;
  chunk.set([w & 255, (w >> 8) & 255, (w >> 16) & 255, h & 255, (h >> 8) & 255, (h >> 16) & 255], 12);
  return chunk;
}
