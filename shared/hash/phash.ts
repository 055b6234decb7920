import type { Raster } from '../image/raster.ts';
import { resample } from '../image/resample.ts';

/**
 * 64-bit DCT perceptual hash (the classic pHash): grey 32x32, 2-D DCT, the
 * 8x8 lowest frequencies compared with their median. Re-encoding, resizing
 * and mild colour changes move few bits; different pictures differ in ~32.
 */
const SIZE = 32;
const LOW = 8;

const COS = (() => {
  const table = new Float64Array(LOW * SIZE);
  for (let u = 0; u < LOW; u++) {
    for (let x = 0; x < SIZE; x++) table[u * SIZE + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * SIZE));
  }
  return table;
})();

export function perceptualHash(image: Raster): string {
  const small = resample(image, SIZE, SIZE);
  const grey = new Float64Array(SIZE * SIZE);
  for (let i = 0; i < SIZE * SIZE; i++) {
    grey[i] = 0.299 * small.data[i * 3]! + 0.587 * small.data[i * 3 + 1]! + 0.114 * small.data[i * 3 + 2]!;
  }
  // Separable DCT, keeping only the 8 lowest frequencies in each direction.
  const rows = new Float64Array(SIZE * LOW);
  for (let y = 0; y < SIZE; y++) {
    for (let u = 0; u < LOW; u++) {
      let sum = 0;
      for (let x = 0; x < SIZE; x++) sum += grey[y * SIZE + x]! * COS[u * SIZE + x]!;
      rows[y * LOW + u] = sum;
    }
  }
  const coefficients = new Float64Array(LOW * LOW);
  for (let v = 0; v < LOW; v++) {
    for (let u = 0; u < LOW; u++) {
      let sum = 0;
      for (let y = 0; y < SIZE; y++) sum += rows[y * LOW + u]! * COS[v * SIZE + y]!;
      coefficients[v * LOW + u] = sum;
    }
  }
  // The DC term measures brightness, not structure: leave it out of the median.
  const median = [...coefficients.subarray(1)].sort((a, b) => a - b)[(LOW * LOW - 1) >> 1]!;
  let hex = '';
  for (let nibble = 0; nibble < 16; nibble++) {
    let value = 0;
    for (let bit = 0; bit < 4; bit++) value = (value << 1) | (coefficients[nibble * 4 + bit]! > median ? 1 : 0);
    hex += value.toString(16);
  }
  return hex;
}

export function hammingDistance(a: string, b: string): number {
  let distance = 0;
  for (let i = 0; i < 16; i++) {
    let x = parseInt(a[i]!, 16) ^ parseInt(b[i]!, 16);
    while (x) {
      distance += x & 1;
      x >>= 1;
    }
  }
  return distance;
}
