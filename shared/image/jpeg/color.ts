/**
 * Turns MCU rows of component samples into RGBA rows of the output.
 *
 * Upsampling is needed less often than one would think: the decoder gives
 * each subsampled component a larger IDCT where it can (4:2:0 chroma at
 * scale 1/2 is decoded 8x8 per block, at 1/8 2x2), so chroma only needs
 * upsampling at scale 1/1 (or with ratios above 2, e.g. 4:1:1 at 1/2).
 * Factor-2 cases (4:2:0, 4:2:2, 4:4:0) use libjpeg's "fancy" triangle
 * filter (3/4 nearer sample + 1/4 further), which is what mozjpeg and
 * browsers show; other factors replicate.
 *
 * The vertical filter needs the chroma line below, which belongs to the next
 * MCU row, so when any plane is filtered vertically the writer keeps two MCU
 * rows of samples and emits each row one MCU row late.
 */
import { CLAMP } from './idct.ts';

export type ColorTransform = 'grey' | 'ycbcr' | 'rgb' | 'cmyk' | 'ycck';

/** Layout of one component's samples for an MCU row. */
export interface PlaneSpec {
  /** Samples per line of the buffer (whole MCUs), and lines per MCU row. */
  readonly stride: number;
  readonly lines: number;
  /** Output pixels per sample, horizontally and vertically (1 = none). */
  readonly uh: number;
  readonly uv: number;
  /** Samples per line and lines that lie inside the image (the rest is MCU padding). */
  readonly realWidth: number;
  readonly realLines: number;
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

interface Plane extends PlaneSpec {
  /** Two MCU rows of samples, used alternately (the second only when the writer delays). */
  readonly buffers: [Uint8Array, Uint8Array];
  /** Copy of the last line of the MCU row before the one being emitted (vertical filter context). */
  readonly above: Uint8Array;
  readonly fancyH: boolean;
  readonly fancyV: boolean;
  /** Upsampled output line, and the vertical filter's column sums. */
  readonly line: Uint8Array;
  readonly colsum: Int32Array;
}

export class RowWriter {
  private readonly transform: ColorTransform;
  private readonly planes: Plane[];
  private readonly out: Uint32Array;
  private readonly width: number;
  private readonly height: number;
  private readonly rowsPerMcu: number;
  private readonly mcuRows: number;
  /** Emit each MCU row after the next one is decoded. */
  private readonly delayed: boolean;
  /** MCU row being decoded into buffer(). */
  private row = 0;
  /** Per plane, set by source(): the array and offset of the current output row's samples. */
  private readonly src: Uint8Array[];
  private readonly base: Int32Array;

  constructor(transform: ColorTransform, specs: readonly PlaneSpec[], out: Uint32Array, width: number, height: number, rowsPerMcu: number, mcuRows: number) {
    this.transform = transform;
    this.out = out;
    this.width = width;
    this.height = height;
    this.rowsPerMcu = rowsPerMcu;
    this.mcuRows = mcuRows;
    const fancyV = (s: PlaneSpec): boolean => s.uv === 2 && s.uh <= 2;
    this.delayed = specs.some(fancyV);
    this.planes = specs.map((s): Plane => {
      const size = s.stride * s.lines;
      return {
        ...s,
        fancyH: s.uh === 2 && s.uv <= 2,
        fancyV: fancyV(s),
        buffers: [new Uint8Array(size), new Uint8Array(this.delayed ? size : 0)],
        above: new Uint8Array(fancyV(s) ? s.stride : 0),
        line: new Uint8Array(s.uh > 1 || fancyV(s) ? s.stride * s.uh + s.uh : 0),
        colsum: new Int32Array(fancyV(s) ? s.stride : 0),
      };
    });
    this.src = this.planes.map((p) => p.buffers[0]);
    this.base = new Int32Array(this.planes.length);
  }

  /** Where the decoder writes plane i's samples for the current MCU row (line l starts at l * stride). */
  buffer(i: number): Uint8Array {
    return this.rowBuffer(this.planes[i]!, this.row);
  }

  /** A delayed writer alternates two buffers per plane, so MCU row m-1 survives while row m is decoded. */
  private rowBuffer(p: Plane, m: number): Uint8Array {
    return this.delayed ? p.buffers[m & 1] : p.buffers[0];
  }

  /** The current MCU row is decoded: write the output rows that are now complete. */
  rowDone(): void {
    const m = this.row;
    if (!this.delayed) {
      this.emit(m);
    } else {
      if (m > 0) {
        this.emit(m - 1);
        // Row m+1 will overwrite row m-1's buffer: keep its last line as context for row m.
        for (const p of this.planes) if (p.fancyV) p.above.set(p.buffers[(m - 1) & 1].subarray((p.lines - 1) * p.stride, p.lines * p.stride));
      }
      if (m === this.mcuRows - 1) this.emit(m);
    }
    this.row++;
  }

  /** Plane p's sample line g (global index, clamped into the image) while emitting MCU row m: array and offset. */
  private lineAt(p: Plane, m: number, g: number): [Uint8Array, number] {
    if (g < 0) g = 0;
    if (g > p.realLines - 1) g = p.realLines - 1;
    const local = g - m * p.lines;
    if (local < 0) return [p.above, 0];
    if (local >= p.lines) return [p.buffers[(m + 1) & 1], 0]; // only reached by vertical filtering, i.e. when delayed
    return [this.rowBuffer(p, m), local * p.stride];
  }

  /** Points src[i]/base[i] at plane i's samples for output row ly of MCU row m, upsampling if needed. */
  private source(i: number, m: number, ly: number): void {
    const p = this.planes[i]!;
    const j = (ly / p.uv) | 0;
    if (p.uh === 1 && !p.fancyV) {
      this.src[i] = this.rowBuffer(p, m);
      this.base[i] = j * p.stride;
      return;
    }
    const line = p.line;
    this.src[i] = line;
    this.base[i] = 0;
    const n = p.realWidth;
    const g = m * p.lines + j;
    if (p.fancyV) {
      // Vertical triangle filter: 3 x this line + the neighbour on the output row's side.
      const [cur, co] = this.lineAt(p, m, g);
      const [nb, no] = this.lineAt(p, m, ly & 1 ? g + 1 : g - 1);
      const colsum = p.colsum;
      for (let x = 0; x < n; x++) colsum[x] = 3 * cur[co + x]! + nb[no + x]!;
      if (p.fancyH) {
        // h2v2: then horizontally, on sums scaled by 4 (libjpeg's h2v2_fancy_upsample rounding).
        if (n === 1) {
          line[0] = (colsum[0]! * 4 + 8) >> 4;
          line[1] = (colsum[0]! * 4 + 7) >> 4;
          return;
        }
        line[0] = (colsum[0]! * 4 + 8) >> 4;
        line[1] = (colsum[0]! * 3 + colsum[1]! + 7) >> 4;
        for (let x = 1; x < n - 1; x++) {
          const c = colsum[x]! * 3;
          line[2 * x] = (c + colsum[x - 1]! + 8) >> 4;
          line[2 * x + 1] = (c + colsum[x + 1]! + 7) >> 4;
        }
        line[2 * n - 2] = (colsum[n - 1]! * 3 + colsum[n - 2]! + 8) >> 4;
        line[2 * n - 1] = (colsum[n - 1]! * 4 + 7) >> 4;
      } else {
        // h1v2: vertical only.
        const bias = ly & 1 ? 2 : 1;
        for (let x = 0; x < n; x++) line[x] = (colsum[x]! + bias) >> 2;
      }
      return;
    }
    const [src, so] = this.lineAt(p, m, g);
    if (p.fancyH) {
      // h2v1: horizontal triangle filter (libjpeg's h2v1_fancy_upsample).
      if (n === 1) {
        line[0] = src[so]!;
        line[1] = src[so]!;
        return;
      }
      line[0] = src[so]!;
      line[1] = (src[so]! * 3 + src[so + 1]! + 2) >> 2;
      for (let x = 1; x < n - 1; x++) {
        const c = src[so + x]! * 3;
        line[2 * x] = (c + src[so + x - 1]! + 1) >> 2;
        line[2 * x + 1] = (c + src[so + x + 1]! + 2) >> 2;
      }
      line[2 * n - 2] = (src[so + n - 1]! * 3 + src[so + n - 2]! + 1) >> 2;
      line[2 * n - 1] = src[so + n - 1]!;
      return;
    }
    // Other integer factors: replicate.
    const uh = p.uh;
    const width = this.width;
    let s = so;
    for (let x = 0; x < width; s++) {
      const v = src[s]!;
      for (let k = 0; k < uh; k++) line[x++] = v;
    }
  }

  /** Writes the output rows of MCU row m. */
  private emit(m: number): void {
    const y0 = m * this.rowsPerMcu;
    const count = Math.min(this.rowsPerMcu, this.height - y0);
    const width = this.width;
    const out = this.out;
    const n = this.planes.length;
    for (let ly = 0; ly < count; ly++) {
      for (let i = 0; i < n; i++) this.source(i, m, ly);
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
            const mg = 255 - CLAMP[y + ((CB_G[cb]! + CR_G[cr]!) >> 16)]!;
            const ye = 255 - CLAMP[y + CB_B[cb]!]!;
            out[o + x] = div255(c * k) | (div255(mg * k) << 8) | (div255(ye * k) << 16) | ALPHA;
          }
          break;
        }
      }
    }
  }
}
