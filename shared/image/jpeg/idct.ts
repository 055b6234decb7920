/**
 * Inverse DCTs producing 8x8, 4x4, 2x2 or 1x1 pixels from one block, the last
 * three being the DCT-domain downscale to 1/2, 1/4 and 1/8.
 *
 * All sizes take dequantized coefficients in natural (row-major) order whose
 * scale factors were folded into the quantization table by dequantTable(),
 * so the DC term alone is the block's mean minus 128 at every size and a
 * DC-only block is a fill.
 *
 * - 8x8: floating-point AAN (Arai-Agui-Nakajima) as libjpeg's jidctflt.c:
 *   5 multiplies per 1-D pass, the AAN scale factors live in the table.
 * - 4x4 and 2x2: the 8-point IDCT of the lowest 4x4 / 2x2 coefficients
 *   evaluated at the centre of each 2x2 / 4x4 pixel group, i.e. an N-point
 *   IDCT of the low frequencies (as libjpeg's scaled IDCTs). Higher
 *   frequencies are dropped, which is the low-pass a downscale wants.
 * - 1x1: the DC.
 *
 * Pixels go through CLAMP, indexed by floor(value + 128 + 0.5) + 384 and
 * masked to 10 bits like libjpeg's range_limit, so wild values from corrupt
 * data wrap to some pixel instead of reading out of bounds.
 */

/** Adds the level shift (128), rounding (0.5) and CLAMP's offset (384) in one constant. */
export const PIXEL_BIAS = 512.5;

/** CLAMP[i] = clamp(i - 384, 0, 255), for i in 0..1023. */
export const CLAMP = new Uint8Array(1024);
for (let i = 0; i < 1024; i++) CLAMP[i] = Math.min(255, Math.max(0, i - 384));

const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36,
  29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/** Per-dimension weight of frequency k in an n-point output: see dequantTable. */
function weight(n: number, k: number): number {
  if (n === 8) return k === 0 ? 1 : Math.SQRT2 * Math.cos((k * Math.PI) / 16); // AAN scale factors
  if (n === 4) return k === 0 ? 1 : Math.SQRT2; // sqrt(2) * C(k): the 8-point normalisation carried to 4 points
  return 1; // 2 points: sqrt(2) * C(1) * cos(pi/4) = 1, so every term is +-G; 1 point: the DC alone
}

/**
 * Multipliers for quantized coefficients, indexed by zigzag position (the
 * order the entropy decoder produces them), padded to 80 entries to match
 * ZIGZAG_TO_NATURAL. `quant` is the DQT table in zigzag order; the output
 * block is width x height pixels (equal except for subsampled chroma at
 * reduced scales, e.g. 4:2:2 chroma at 1/8 is 2 wide and 1 high).
 */
export function dequantTable(quant: Uint16Array, width: number, height: number): Float64Array {
  const qf = new Float64Array(80);
  for (let k = 0; k < 64; k++) {
    const n = ZIGZAG[k]!;
    qf[k] = (quant[k]! * weight(height, n >> 3) * weight(width, n & 7)) / 8;
  }
  return qf;
}

/** Highest zigzag index inside the top-left width x height coefficients: what an output block of that size reads. */
export function zigzagLimit(width: number, height: number): number {
  let limit = 0;
  for (let k = 0; k < 64; k++) if ((ZIGZAG[k]! & 7) < width && ZIGZAG[k]! >> 3 < height) limit = k;
  return limit;
}

const R2 = 1.414213562; // 2 * cos(4pi/16)
const C2X2 = 1.847759065; // 2 * cos(2pi/16)
const K1 = 1.0823922; // 2 * (cos(2pi/16) - cos(6pi/16))
const K2 = -2.61312593; // -2 * (cos(2pi/16) + cos(6pi/16))

/** 8x8 AAN IDCT. `ws` is a 64-entry scratch. */
export function idct8(blk: Float64Array, out: Uint8Array, off: number, stride: number, ws: Float64Array): void {
  const clamp = CLAMP; // a local, not a module cell, in the hot loop
  // Columns. Most columns of real images have no AC: a quick test saves the butterflies.
  for (let c = 0; c < 8; c++) {
    const d0 = blk[c]!;
    const d1 = blk[8 + c]!;
    const d2 = blk[16 + c]!;
    const d3 = blk[24 + c]!;
    const d4 = blk[32 + c]!;
    const d5 = blk[40 + c]!;
    const d6 = blk[48 + c]!;
    const d7 = blk[56 + c]!;
    if (d1 === 0 && d2 === 0 && d3 === 0 && d4 === 0 && d5 === 0 && d6 === 0 && d7 === 0) {
      ws[c] = d0;
      ws[8 + c] = d0;
      ws[16 + c] = d0;
      ws[24 + c] = d0;
      ws[32 + c] = d0;
      ws[40 + c] = d0;
      ws[48 + c] = d0;
      ws[56 + c] = d0;
      continue;
    }
    // Even part.
    const t10 = d0 + d4;
    const t11 = d0 - d4;
    const t13 = d2 + d6;
    const t12 = (d2 - d6) * R2 - t13;
    const e0 = t10 + t13;
    const e3 = t10 - t13;
    const e1 = t11 + t12;
    const e2 = t11 - t12;
    // Odd part.
    const z13 = d5 + d3;
    const z10 = d5 - d3;
    const z11 = d1 + d7;
    const z12 = d1 - d7;
    const o7 = z11 + z13;
    const o11 = (z11 - z13) * R2;
    const z5 = (z10 + z12) * C2X2;
    const o10 = K1 * z12 - z5;
    const o12 = K2 * z10 + z5;
    const o6 = o12 - o7;
    const o5 = o11 - o6;
    const o4 = o10 + o5;
    ws[c] = e0 + o7;
    ws[56 + c] = e0 - o7;
    ws[8 + c] = e1 + o6;
    ws[48 + c] = e1 - o6;
    ws[16 + c] = e2 + o5;
    ws[40 + c] = e2 - o5;
    ws[32 + c] = e3 + o4;
    ws[24 + c] = e3 - o4;
  }
  // Rows, to pixels.
  for (let r = 0; r < 8; r++) {
    const w = r * 8;
    const p = off + r * stride;
    const d0 = ws[w]! + PIXEL_BIAS;
    const d1 = ws[w + 1]!;
    const d2 = ws[w + 2]!;
    const d3 = ws[w + 3]!;
    const d4 = ws[w + 4]!;
    const d5 = ws[w + 5]!;
    const d6 = ws[w + 6]!;
    const d7 = ws[w + 7]!;
    if (d1 === 0 && d2 === 0 && d3 === 0 && d4 === 0 && d5 === 0 && d6 === 0 && d7 === 0) {
      out.fill(clamp[(d0 | 0) & 1023]!, p, p + 8);
      continue;
    }
    const t10 = d0 + d4;
    const t11 = d0 - d4;
    const t13 = d2 + d6;
    const t12 = (d2 - d6) * R2 - t13;
    const e0 = t10 + t13;
    const e3 = t10 - t13;
    const e1 = t11 + t12;
    const e2 = t11 - t12;
    const z13 = d5 + d3;
    const z10 = d5 - d3;
    const z11 = d1 + d7;
    const z12 = d1 - d7;
    const o7 = z11 + z13;
    const o11 = (z11 - z13) * R2;
    const z5 = (z10 + z12) * C2X2;
    const o10 = K1 * z12 - z5;
    const o12 = K2 * z10 + z5;
    const o6 = o12 - o7;
    const o5 = o11 - o6;
    const o4 = o10 + o5;
    out[p] = clamp[((e0 + o7) | 0) & 1023]!;
    out[p + 7] = clamp[((e0 - o7) | 0) & 1023]!;
    out[p + 1] = clamp[((e1 + o6) | 0) & 1023]!;
    out[p + 6] = clamp[((e1 - o6) | 0) & 1023]!;
    out[p + 2] = clamp[((e2 + o5) | 0) & 1023]!;
    out[p + 5] = clamp[((e2 - o5) | 0) & 1023]!;
    out[p + 4] = clamp[((e3 + o4) | 0) & 1023]!;
    out[p + 3] = clamp[((e3 - o4) | 0) & 1023]!;
  }
}

const C4 = 0.7071067811865476; // cos(pi/4)
const C1 = 0.9238795325112867; // cos(pi/8)
const C3 = 0.3826834323650898; // cos(3pi/8)

/** 4x4 output (scale 1/2) from the 4x4 low-frequency coefficients. `ws` needs 16 entries. */
export function idct4(blk: Float64Array, out: Uint8Array, off: number, stride: number, ws: Float64Array): void {
  const clamp = CLAMP; // a local, not a module cell, in the hot loop
  for (let c = 0; c < 4; c++) {
    const h0 = blk[c]!;
    const h1 = blk[8 + c]!;
    const h2 = blk[16 + c]!;
    const h3 = blk[24 + c]!;
    const e0 = h0 + h2 * C4;
    const e1 = h0 - h2 * C4;
    const o0 = h1 * C1 + h3 * C3;
    const o1 = h1 * C3 - h3 * C1;
    ws[c] = e0 + o0;
    ws[4 + c] = e1 + o1;
    ws[8 + c] = e1 - o1;
    ws[12 + c] = e0 - o0;
  }
  for (let r = 0; r < 4; r++) {
    const w = r * 4;
    const p = off + r * stride;
    const h0 = ws[w]! + PIXEL_BIAS;
    const h1 = ws[w + 1]!;
    const h2 = ws[w + 2]!;
    const h3 = ws[w + 3]!;
    const e0 = h0 + h2 * C4;
    const e1 = h0 - h2 * C4;
    const o0 = h1 * C1 + h3 * C3;
    const o1 = h1 * C3 - h3 * C1;
    out[p] = clamp[((e0 + o0) | 0) & 1023]!;
    out[p + 1] = clamp[((e1 + o1) | 0) & 1023]!;
    out[p + 2] = clamp[((e1 - o1) | 0) & 1023]!;
    out[p + 3] = clamp[((e0 - o0) | 0) & 1023]!;
  }
}

/** 2x2 output (scale 1/4) from the 2x2 low-frequency coefficients. */
export function idct2(blk: Float64Array, out: Uint8Array, off: number, stride: number): void {
  const clamp = CLAMP; // a local, not a module cell, in the hot loop
  const a = blk[0]! + PIXEL_BIAS;
  const b = blk[1]!;
  const c = blk[8]!;
  const d = blk[9]!;
  out[off] = clamp[((a + b + c + d) | 0) & 1023]!;
  out[off + 1] = clamp[((a - b + c - d) | 0) & 1023]!;
  out[off + stride] = clamp[((a + b - c - d) | 0) & 1023]!;
  out[off + stride + 1] = clamp[((a - b - c + d) | 0) & 1023]!;
}

/**
 * One n-point pass of a separable IDCT for a rectangular output block, from
 * src[so + i * step] to dst[d + i * dstep], i < n. Only non-square blocks
 * (subsampled chroma at reduced scales) come here, so it favours brevity.
 */
function pass(n: number, src: Float64Array, so: number, step: number, bias: number, dst: Float64Array, d: number, dstep: number): void {
  const h0 = src[so]! + bias;
  if (n === 1) {
    dst[d] = h0;
  } else if (n === 2) {
    const h1 = src[so + step]!;
    dst[d] = h0 + h1;
    dst[d + dstep] = h0 - h1;
  } else if (n === 4) {
    const h1 = src[so + step]!;
    const h2 = src[so + 2 * step]!;
    const h3 = src[so + 3 * step]!;
    const e0 = h0 + h2 * C4;
    const e1 = h0 - h2 * C4;
    const o0 = h1 * C1 + h3 * C3;
    const o1 = h1 * C3 - h3 * C1;
    dst[d] = e0 + o0;
    dst[d + dstep] = e1 + o1;
    dst[d + 2 * dstep] = e1 - o1;
    dst[d + 3 * dstep] = e0 - o0;
  } else {
    const d0 = h0;
    const d1 = src[so + step]!;
    const d2 = src[so + 2 * step]!;
    const d3 = src[so + 3 * step]!;
    const d4 = src[so + 4 * step]!;
    const d5 = src[so + 5 * step]!;
    const d6 = src[so + 6 * step]!;
    const d7 = src[so + 7 * step]!;
    const t10 = d0 + d4;
    const t11 = d0 - d4;
    const t13 = d2 + d6;
    const t12 = (d2 - d6) * R2 - t13;
    const e0 = t10 + t13;
    const e3 = t10 - t13;
    const e1 = t11 + t12;
    const e2 = t11 - t12;
    const z13 = d5 + d3;
    const z10 = d5 - d3;
    const z11 = d1 + d7;
    const z12 = d1 - d7;
    const o7 = z11 + z13;
    const o11 = (z11 - z13) * R2;
    const z5 = (z10 + z12) * C2X2;
    const o10 = K1 * z12 - z5;
    const o12 = K2 * z10 + z5;
    const o6 = o12 - o7;
    const o5 = o11 - o6;
    const o4 = o10 + o5;
    dst[d] = e0 + o7;
    dst[d + 7 * dstep] = e0 - o7;
    dst[d + dstep] = e1 + o6;
    dst[d + 6 * dstep] = e1 - o6;
    dst[d + 2 * dstep] = e2 + o5;
    dst[d + 5 * dstep] = e2 - o5;
    dst[d + 4 * dstep] = e3 + o4;
    dst[d + 3 * dstep] = e3 - o4;
  }
}

/** width x height block (width !== height) through two generic passes. `ws` needs 64 + 8 entries. */
function idctRect(blk: Float64Array, width: number, height: number, out: Uint8Array, off: number, stride: number, ws: Float64Array): void {
  const clamp = CLAMP; // a local, not a module cell, in the hot loop
  for (let c = 0; c < width; c++) pass(height, blk, c, 8, 0, ws, c, 8);
  for (let r = 0; r < height; r++) {
    pass(width, ws, r * 8, 1, PIXEL_BIAS, ws, 64, 1);
    const p = off + r * stride;
    for (let c = 0; c < width; c++) out[p + c] = clamp[(ws[64 + c]! | 0) & 1023]!;
  }
}

/** Writes a width x height block of pixels; `last` is the highest zigzag index set (0: DC only). ws needs 72 entries. */
export function idctBlock(width: number, height: number, blk: Float64Array, last: number, out: Uint8Array, off: number, stride: number, ws: Float64Array): void {
  if (last === 0 || width * height === 1) {
    const v = CLAMP[((blk[0]! + PIXEL_BIAS) | 0) & 1023]!;
    if (width * height === 1) {
      out[off] = v;
      return;
    }
    for (let r = 0; r < height; r++, off += stride) out.fill(v, off, off + width);
    return;
  }
  if (width !== height) idctRect(blk, width, height, out, off, stride, ws);
  else if (width === 8) idct8(blk, out, off, stride, ws);
  else if (width === 4) idct4(blk, out, off, stride, ws);
  else idct2(blk, out, off, stride);
}
