/**
 * Turns one MCU row of component samples into RGBA rows of the output.
 *
 * Chroma upsampling is plain replication by integer factors. It is needed
 * less often than one would think: the decoder gives each subsampled
 * component a larger IDCT where it can (4:2:0 chroma at scale 1/2 is decoded
 * 8x8 per block, at 1/8 2x2), so with 4:2:0/4:2:2/4:4:0 only scale 1/1
 * replicates, and there libjpeg's "fancy" triangle filter would be smoother;
 * the difference is within the test tolerances and disappears when the
 * image is resized for a model anyway.
 */
import { CLAMP } from './idct.ts';

export type ColorTransform = 'grey' | 'ycbcr' | 'rgb' | 'cmyk' | 'ycck';

/** One component's samples for the current MCU row. */
export interface PlaneRows {
  /** Rows of samples at the component's output block size; row r starts at r * stride. */
  readonly rows: Uint8Array;
  readonly stride: number;
  /** Output pixels per sample, horizontally and vertically (1 = no upsampling). */
  readonly uh: number;
  readonly uv: number;
}

// YCbCr -> RGB as JFIF (ITU-R BT.601 full range), in libjpeg's fixed-point form.
// The +384 offsets index straight into CLAMP.
const CR_R = new Int32Array(256);
const CB_B = new Int32Array(256);
const CR_G = new Int32Array(256);
const CB_G = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  CR_R[i] = Math.round(1.402 * x) + 384;
  CB_B[i] = Math.round(1.772 * x) + 384;
  CR_G[i] = -Math.round(0.714136 * 65536 * x);
  CB_G[i] = -Math.round(0.344136 * 65536 * x) + 32768 + (384 << 16);
}

/** x / 255 rounded, exact for 0 <= x <= 255 * 255. */
function div255(x: number): number {
  x += 128;
  return (x + (x >> 8)) >> 8;
}

const ALPHA = 0xff000000;

export class RowWriter {
  private readonly transform: ColorTransform;
  private readonly planes: readonly PlaneRows[];
  private readonly out: Uint32Array;
  private readonly width: number;
  /** Per plane: upsampled line when uh > 1, and which source row it holds. */
  private readonly lines: Uint8Array[];
  private readonly lineRow: Int32Array;
  /** Per plane, set by source(): the array and offset of the current row's samples. */
  private readonly src: Uint8Array[];
  private readonly base: Int32Array;

  constructor(transform: ColorTransform, planes: readonly PlaneRows[], out: Uint32Array, width: number) {
    this.transform = transform;
    this.planes = planes;
    this.out = out;
    this.width = width;
    this.lines = planes.map((p) => new Uint8Array(p.uh > 1 ? width + p.uh : 0));
    this.lineRow = new Int32Array(planes.length);
    this.src = planes.map((p) => p.rows);
    this.base = new Int32Array(planes.length);
  }

  /** Call before reusing the plane buffers for the next MCU row. */
  private resetLines(): void {
    this.lineRow.fill(-1);
  }

  /** Points src[i]/base[i] at plane i's samples for local output row ly, upsampling horizontally if needed. */
  private source(i: number, ly: number): void {
    const p = this.planes[i]!;
    const row = (ly / p.uv) | 0;
    const off = row * p.stride;
    if (p.uh === 1) {
      this.src[i] = p.rows;
      this.base[i] = off;
      return;
    }
    const line = this.lines[i]!;
    this.src[i] = line;
    this.base[i] = 0;
    if (this.lineRow[i] === row) return; // vertical replication: same source row as the last output row
    this.lineRow[i] = row;
    const rows = p.rows;
    const width = this.width;
    const uh = p.uh;
    let s = off;
    if (uh === 2) {
      for (let x = 0; x < width; x += 2, s++) {
        const v = rows[s]!;
        line[x] = v;
        line[x + 1] = v;
      }
    } else {
      for (let x = 0; x < width; s++) {
        const v = rows[s]!;
        for (let j = 0; j < uh; j++) line[x++] = v;
      }
    }
  }

  /** Writes output rows y0 .. y0+count-1 from the planes' current MCU row. */
  write(y0: number, count: number): void {
    this.resetLines();
    const width = this.width;
    const out = this.out;
    const n = this.planes.length;
    for (let ly = 0; ly < count; ly++) {
      for (let i = 0; i < n; i++) this.source(i, ly);
      const o = (y0 + ly) * width;
      const s0 = this.src[0]!;
      const b0 = this.base[0]!;
      if (this.transform === 'grey') {
        for (let x = 0; x < width; x++) out[o + x] = (s0[b0 + x]! * 0x010101) | ALPHA;
        continue;
      }
      const s1 = this.src[1]!;
      const b1 = this.base[1]!;
      const s2 = this.src[2]!;
      const b2 = this.base[2]!;
      switch (this.transform) {
        case 'ycbcr':
          for (let x = 0; x < width; x++) {
            const y = s0[b0 + x]!;
            const cb = s1[b1 + x]!;
            const cr = s2[b2 + x]!;
            const r = CLAMP[y + CR_R[cr]!]!;
            const g = CLAMP[y + ((CB_G[cb]! + CR_G[cr]!) >> 16)]!;
            const b = CLAMP[y + CB_B[cb]!]!;
            out[o + x] = r | (g << 8) | (b << 16) | ALPHA;
          }
          break;
        case 'rgb':
          for (let x = 0; x < width; x++) out[o + x] = s0[b0 + x]! | (s1[b1 + x]! << 8) | (s2[b2 + x]! << 16) | ALPHA;
          break;
        case 'cmyk': {
          // Adobe CMYK as Photoshop writes it is inverted (255 = no ink), so the
          // stored C times the stored K is the red that reaches the eye.
          const s3 = this.src[3]!;
          const b3 = this.base[3]!;
          for (let x = 0; x < width; x++) {
            const k = s3[b3 + x]!;
            out[o + x] = div255(s0[b0 + x]! * k) | (div255(s1[b1 + x]! * k) << 8) | (div255(s2[b2 + x]! * k) << 16) | ALPHA;
          }
          break;
        }
        case 'ycck': {
          // YCCK is that inverted CMYK with C, M, Y stored as YCbCr of (255 - C, 255 - M, 255 - Y).
          const s3 = this.src[3]!;
          const b3 = this.base[3]!;
          for (let x = 0; x < width; x++) {
            const y = s0[b0 + x]!;
            const cb = s1[b1 + x]!;
            const cr = s2[b2 + x]!;
            const k = s3[b3 + x]!;
            const c = 255 - CLAMP[y + CR_R[cr]!]!;
            const m = 255 - CLAMP[y + ((CB_G[cb]! + CR_G[cr]!) >> 16)]!;
            const ye = 255 - CLAMP[y + CB_B[cb]!]!;
            out[o + x] = div255(c * k) | (div255(m * k) << 8) | (div255(ye * k) << 16) | ALPHA;
          }
          break;
        }
      }
    }
  }
}
