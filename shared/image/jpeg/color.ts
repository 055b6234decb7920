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

/** Alpha 255 in the top byte of a little-endian RGBA word, as an int32 so the OR stays in 32-bit integers. */
const OPAQUE = -16777216;

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
  /** YCbCr with full-resolution luma and both chroma planes fancy-upsampled 2x horizontally, in step. */
  private readonly fusedH2: boolean;
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
    const [yp, cbp, crp] = this.planes;
    this.fusedH2 =
      transform === 'ycbcr' &&
      yp!.uh === 1 &&
      yp!.uv === 1 &&
      cbp!.fancyH &&
      crp!.fancyH &&
      cbp!.uv === crp!.uv &&
      cbp!.lines === crp!.lines &&
      cbp!.realWidth === crp!.realWidth &&
      cbp!.realLines === crp!.realLines;
    this.src = this.planes.map((p) => p.buffers[0]);
    this.base = new Int32Array(this.planes.length);
  }

  /** Where the decoder writes plane i's samples for the current MCU row (line l starts at l * stride). */
  buffer(i: number): Uint8Array {
    return this.rowBuffer(this.planes[i]!, this.row);
  }

  /** A delayed writer alternates two buffers per plane, so MCU row m-1 survives while row m is decoded. */
  private rowBuffer(p: Plane, m: number): Uint8Array {
    return this.delayed ? p.buffers[m & 1]! : p.buffers[0];
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
        for (const p of this.planes) if (p.fancyV) p.above.set(p.buffers[(m - 1) & 1]!.subarray((p.lines - 1) * p.stride, p.lines * p.stride));
      }
      if (m === this.mcuRows - 1) this.emit(m);
    }
    this.row++;
  }

  /** Set by lineAt(): where the requested sample line is. */
  private lineArr: Uint8Array = new Uint8Array(0);
  private lineOff = 0;

  /** Points lineArr/lineOff at plane p's sample line g (global index, clamped into the image) while emitting MCU row m. */
  private lineAt(p: Plane, m: number, g: number): void {
    if (g < 0) g = 0;
    if (g > p.realLines - 1) g = p.realLines - 1;
    const local = g - m * p.lines;
    if (local < 0) {
      this.lineArr = p.above;
      this.lineOff = 0;
    } else if (local >= p.lines) {
      this.lineArr = p.buffers[(m + 1) & 1]!; // only reached by vertical filtering, i.e. when delayed
      this.lineOff = 0;
    } else {
      this.lineArr = this.rowBuffer(p, m);
      this.lineOff = local * p.stride;
    }
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
      this.lineAt(p, m, g);
      const cur = this.lineArr;
      const co = this.lineOff;
      this.lineAt(p, m, ly & 1 ? g + 1 : g - 1);
      const nb = this.lineArr;
      const no = this.lineOff;
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
    this.lineAt(p, m, g);
    const src = this.lineArr;
    const so = this.lineOff;
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

  /**
   * 4:2:0 and 4:2:2 at full size, the commonest upsampled case: both chroma
   * planes filtered horizontally (and maybe vertically) in the same loop as
   * the colour conversion, without intermediate lines.
   */
  private fusedRow(m: number, ly: number, o: number): void {
    const [yp, cbp, crp] = this.planes as [Plane, Plane, Plane];
    const j = (ly / cbp.uv) | 0;
    const g = m * cbp.lines + j;
    const nbLine = cbp.fancyV ? (ly & 1 ? g + 1 : g - 1) : g;
    this.lineAt(cbp, m, g);
    const cbCur = this.lineArr;
    const cbCo = this.lineOff;
    this.lineAt(cbp, m, nbLine);
    const cbNb = this.lineArr;
    const cbNo = this.lineOff;
    this.lineAt(crp, m, g);
    const crCur = this.lineArr;
    const crCo = this.lineOff;
    this.lineAt(crp, m, nbLine);
    const crNb = this.lineArr;
    const crNo = this.lineOff;
    const yRow = this.rowBuffer(yp, m);
    // h2v2: column sums 3 * this line + neighbour line, then (3 * sum + side sum + 8 or 7) >> 4.
    // h2v1: the line itself, then (3 * sample + side sample + 1 or 2) >> 2. Same loop, other constants.
    if (cbp.fancyV) yccFancyH2Row(yRow, ly * yp.stride, cbCur, cbCo, cbNb, cbNo, crCur, crCo, crNb, crNo, cbp.realWidth, this.out, o, this.width, 3, 1, 8, 7, 4);
    else yccFancyH2Row(yRow, ly * yp.stride, cbCur, cbCo, cbCur, cbCo, crCur, crCo, crCur, crCo, cbp.realWidth, this.out, o, this.width, 1, 0, 1, 2, 2);
  }

  /** Writes the output rows of MCU row m. */
  private emit(m: number): void {
    const y0 = m * this.rowsPerMcu;
    const count = Math.min(this.rowsPerMcu, this.height - y0);
    const width = this.width;
    const out = this.out;
    const n = this.planes.length;
    const src = this.src;
    const base = this.base;
    const fused = this.fusedH2;
    for (let ly = 0; ly < count; ly++) {
      const o = (y0 + ly) * width;
      if (fused) {
        this.fusedRow(m, ly, o);
        continue;
      }
      for (let i = 0; i < n; i++) this.source(i, m, ly);
      switch (this.transform) {
        case 'grey':
          greyRow(src[0]!, base[0]!, out, o, width);
          break;
        case 'ycbcr':
          yccRow(src[0]!, base[0]!, src[1]!, base[1]!, src[2]!, base[2]!, out, o, width);
          break;
        case 'rgb':
          rgbRow(src[0]!, base[0]!, src[1]!, base[1]!, src[2]!, base[2]!, out, o, width);
          break;
        case 'cmyk':
          cmykRow(src[0]!, base[0]!, src[1]!, base[1]!, src[2]!, base[2]!, src[3]!, base[3]!, out, o, width, false);
          break;
        case 'ycck':
          cmykRow(src[0]!, base[0]!, src[1]!, base[1]!, src[2]!, base[2]!, src[3]!, base[3]!, out, o, width, true);
          break;
      }
    }
  }
}

// Row converters: small functions with everything in parameters and locals,
// which V8 optimises far better than the same loops inside one large method.

function greyRow(s0: Uint8Array, b0: number, out: Uint32Array, o: number, width: number): void {
  for (let x = 0; x < width; x++) out[o + x] = (s0[b0 + x]! * 0x010101) | OPAQUE;
}

function yccRow(s0: Uint8Array, b0: number, s1: Uint8Array, b1: number, s2: Uint8Array, b2: number, out: Uint32Array, o: number, width: number): void {
  const clamp = CLAMP;
  const crR = CR_R;
  const cbB = CB_B;
  const crG = CR_G;
  const cbG = CB_G;
  for (let x = 0; x < width; x++) {
    const y = s0[b0 + x]!;
    const cb = s1[b1 + x]!;
    const cr = s2[b2 + x]!;
    out[o + x] = clamp[y + crR[cr]!]! | (clamp[y + ((cbG[cb]! + crG[cr]!) >> 16)]! << 8) | (clamp[y + cbB[cb]!]! << 16) | OPAQUE;
  }
}

/**
 * Fancy 2x horizontal chroma upsampling (libjpeg's triangle filter) fused with
 * YCbCr -> RGB. Column sums cs = a * current line + b * neighbour line; each
 * chroma sample x gives output pixels 2x and 2x+1 from
 * (3 * cs[x] + cs[x -+ 1] + evenBias or oddBias) >> shift, the edges using
 * cs[x] itself as the missing neighbour, as libjpeg does.
 */
function yccFancyH2Row(
  yRow: Uint8Array,
  yo: number,
  cbCur: Uint8Array,
  cbCo: number,
  cbNb: Uint8Array,
  cbNo: number,
  crCur: Uint8Array,
  crCo: number,
  crNb: Uint8Array,
  crNo: number,
  n: number,
  out: Uint32Array,
  o: number,
  width: number,
  a: number,
  b: number,
  evenBias: number,
  oddBias: number,
  shift: number,
): void {
  const clamp = CLAMP;
  const crR = CR_R;
  const cbB = CB_B;
  const crG = CR_G;
  const cbG = CB_G;
  let cbThis = a * cbCur[cbCo]! + b * cbNb[cbNo]!;
  let crThis = a * crCur[crCo]! + b * crNb[crNo]!;
  let cbPrev = cbThis;
  let crPrev = crThis;
  for (let x = 0; x < n; x++) {
    let cbNext = cbThis;
    let crNext = crThis;
    if (x + 1 < n) {
      cbNext = a * cbCur[cbCo + x + 1]! + b * cbNb[cbNo + x + 1]!;
      crNext = a * crCur[crCo + x + 1]! + b * crNb[crNo + x + 1]!;
    }
    const cb3 = 3 * cbThis;
    const cr3 = 3 * crThis;
    const px = 2 * x;
    let y = yRow[yo + px]!;
    let cb = (cb3 + cbPrev + evenBias) >> shift;
    let cr = (cr3 + crPrev + evenBias) >> shift;
    out[o + px] = clamp[y + crR[cr]!]! | (clamp[y + ((cbG[cb]! + crG[cr]!) >> 16)]! << 8) | (clamp[y + cbB[cb]!]! << 16) | OPAQUE;
    if (px + 1 < width) {
      y = yRow[yo + px + 1]!;
      cb = (cb3 + cbNext + oddBias) >> shift;
      cr = (cr3 + crNext + oddBias) >> shift;
      out[o + px + 1] = clamp[y + crR[cr]!]! | (clamp[y + ((cbG[cb]! + crG[cr]!) >> 16)]! << 8) | (clamp[y + cbB[cb]!]! << 16) | OPAQUE;
    }
    cbPrev = cbThis;
    crPrev = crThis;
    cbThis = cbNext;
    crThis = crNext;
  }
}

function rgbRow(s0: Uint8Array, b0: number, s1: Uint8Array, b1: number, s2: Uint8Array, b2: number, out: Uint32Array, o: number, width: number): void {
  for (let x = 0; x < width; x++) out[o + x] = s0[b0 + x]! | (s1[b1 + x]! << 8) | (s2[b2 + x]! << 16) | OPAQUE;
}

/**
 * Adobe CMYK as Photoshop writes it is inverted (255 = no ink), so the stored
 * C times the stored K is the red that reaches the eye. YCCK stores that
 * inverted CMYK's C, M, Y as YCbCr of (255 - C, 255 - M, 255 - Y).
 */
function cmykRow(
  s0: Uint8Array,
  b0: number,
  s1: Uint8Array,
  b1: number,
  s2: Uint8Array,
  b2: number,
  s3: Uint8Array,
  b3: number,
  out: Uint32Array,
  o: number,
  width: number,
  ycc: boolean,
): void {
  for (let x = 0; x < width; x++) {
    let c = s0[b0 + x]!;
    let m = s1[b1 + x]!;
    let y = s2[b2 + x]!;
    const k = s3[b3 + x]!;
    if (ycc) {
      const l = c;
      c = 255 - CLAMP[l + CR_R[y]!]!;
      m = 255 - CLAMP[l + ((CB_G[m]! + CR_G[y]!) >> 16)]!;
      y = 255 - CLAMP[l + CB_B[s1[b1 + x]!]!]!;
    }
    out[o + x] = div255(c * k) | (div255(m * k) << 8) | (div255(y * k) << 16) | OPAQUE;
  }
}
