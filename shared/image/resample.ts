import type { Raster } from './raster.ts';

/**
 * Antialiased resampling with a triangle filter whose support widens with the
 * reduction factor (as Pillow's BILINEAR does), so a 4000 px photo shrunk to
 * 224 px averages every source pixel instead of sampling a few and aliasing.
 * Separable: rows first into a float buffer, then columns.
 */
export interface SourceRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Taps {
  /** First source index of each output sample. */
  start: Int32Array;
  /** Number of taps of each output sample. */
  count: Int32Array;
  /** Normalised weights, `maxTaps` per output sample. */
  weights: Float32Array;
  maxTaps: number;
}

function computeTaps(srcSize: number, rectStart: number, rectSize: number, outSize: number): Taps {
  const scale = rectSize / outSize;
  const support = Math.max(1, scale);
  const maxTaps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float32Array(outSize * maxTaps);
  for (let i = 0; i < outSize; i++) {
    const center = rectStart + (i + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support));
    const hi = Math.min(srcSize, Math.ceil(center + support));
    let total = 0;
    let n = 0;
    for (let s = lo; s < hi && n < maxTaps; s++, n++) {
      const w = Math.max(0, 1 - Math.abs((s + 0.5 - center) / support));
      weights[i * maxTaps + n] = w;
      total += w;
    }
    if (total === 0) {
      // Degenerate rect smaller than a pixel: take the nearest source pixel.
      const nearest = Math.min(srcSize - 1, Math.max(0, Math.floor(center)));
      start[i] = nearest;
      count[i] = 1;
      weights[i * maxTaps] = 1;
      continue;
    }
    for (let k = 0; k < n; k++) weights[i * maxTaps + k]! /= total;
    start[i] = lo;
    count[i] = n;
  }
  return { start, count, weights, maxTaps };
}

/** Resamples `rect` of `src` (default: all of it) to outWidth x outHeight. */
export function resample(src: Raster, outWidth: number, outHeight: number, rect?: SourceRect): Raster {
  const r = rect ?? { x: 0, y: 0, width: src.width, height: src.height };
  const xt = computeTaps(src.width, r.x, r.width, outWidth);
  const yt = computeTaps(src.height, r.y, r.height, outHeight);
  // Only the source rows the vertical taps reach are filtered horizontally.
  const rowLo = yt.start[0]!;
  const rowHi = yt.start[outHeight - 1]! + yt.count[outHeight - 1]!;
  const rows = rowHi - rowLo;
  const mid = new Float32Array(rows * outWidth * 3);
  const sw = src.width;
  const data = src.data;
  for (let y = 0; y < rows; y++) {
    const srcRow = (y + rowLo) * sw * 3;
    const midRow = y * outWidth * 3;
    for (let x = 0; x < outWidth; x++) {
      const s0 = xt.start[x]!;
      const n = xt.count[x]!;
      const wOff = x * xt.maxTaps;
      let r0 = 0;
      let g0 = 0;
      let b0 = 0;
      for (let k = 0; k < n; k++) {
        const w = xt.weights[wOff + k]!;
        const p = srcRow + (s0 + k) * 3;
        r0 += data[p]! * w;
        g0 += data[p + 1]! * w;
        b0 += data[p + 2]! * w;
      }
      const m = midRow + x * 3;
      mid[m] = r0;
      mid[m + 1] = g0;
      mid[m + 2] = b0;
    }
  }
  const out = new Uint8Array(outWidth * outHeight * 3);
  const rowLen = outWidth * 3;
  for (let y = 0; y < outHeight; y++) {
    const s0 = yt.start[y]! - rowLo;
    const n = yt.count[y]!;
    const wOff = y * yt.maxTaps;
    const outRow = y * rowLen;
    for (let i = 0; i < rowLen; i++) {
      let acc = 0;
      for (let k = 0; k < n; k++) acc += mid[(s0 + k) * rowLen + i]! * yt.weights[wOff + k]!;
      out[outRow + i] = acc < 0 ? 0 : acc > 255 ? 255 : acc + 0.5;
    }
  }
  return { width: outWidth, height: outHeight, data: out };
}
