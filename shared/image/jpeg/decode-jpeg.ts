/**
 * JPEG decoder in TypeScript with DCT-domain downscaling, for Workers where
 * a 12 MP image through the mozjpeg WASM costs ~0.4 s and ~96 MB of a 128 MB
 * isolate. Decoding at 1/2, 1/4 or 1/8 size does the IDCT at that size (1/8
 * is the DC alone) and only allocates output-sized buffers. Subsampled chroma
 * gets a larger IDCT instead of upsampling where the scale allows; at 1/1
 * it is upsampled with libjpeg's triangle ("fancy") filter, so full-size
 * output matches mozjpeg's to within rounding (max 3 levels on test photos).
 *
 * Supported: baseline and extended-sequential (SOF0/SOF1) and progressive
 * (SOF2) Huffman JPEG, 8-bit; 1 component (grey), 3 (YCbCr, or RGB per Adobe
 * APP14 transform 0 or component ids 'R','G','B'), 4 (Adobe CMYK / YCCK,
 * converted to RGB assuming Photoshop's inverted CMYK; no ICC); any integral
 * sampling factors 1..4; restart intervals; non-interleaved sequential scans.
 * Unsupported (JpegError 'unsupported'): arithmetic coding, 12/16-bit,
 * lossless, hierarchical, 2 components, fractional sampling ratios (e.g.
 * factors 3 and 2 in one frame), height defined by DNL.
 *
 * EXIF orientation is not applied and EXIF is not parsed.
 *
 * Memory, measured as peak RSS growth for one 12 MP 4:2:0 decode in Node
 * (bench.mjs --memory; mozjpeg through @jsquash/jpeg: 95 MB baseline, 129 MB
 * progressive):
 * - baseline with all components in one scan (nearly every baseline file):
 *   the RGBA output plus two MCU rows of samples; blocks are decoded and
 *   IDCT'd straight into them. 47 MB at 1/1, 15 at 1/2, 4.4 at 1/4, 1.1 at 1/8.
 * - progressive (and multi-scan sequential): coefficients of the whole image
 *   are kept until the last scan, as Int16 in zigzag order, cut to what each
 *   component's output block reads: 64 per block for 8x8 (all of 12 MP 4:2:0
 *   at 1/1 is 281k blocks = 36 MB), 25 for 4x4, 5 for 2x2, 1 for 1x1. Above
 *   that, refinement scans only need to know which coefficients are nonzero:
 *   an 8-byte mask per block. 83 MB at 1/1 (36 coefficients + 48 output),
 *   35 at 1/2, 11 at 1/4, 3.2 at 1/8. AC scans of a component whose output
 *   is the DC alone (luma at 1/8) are not Huffman-decoded at all: their bytes
 *   are only searched for the next marker.
 */
import { RowWriter, type ColorTransform } from './color.ts';
import { EntropyReader, IDENTITY_ORDER, ZIGZAG_TO_NATURAL, buildHuffmanTable, type HuffmanTable } from './entropy.ts';
import { JpegError } from './errors.ts';
import { CLAMP, PIXEL_BIAS, dequantTable, idctBlock, zigzagLimit } from './idct.ts';

export { JpegError, type JpegErrorCode } from './errors.ts';

export interface JpegDecodeOptions {
  /**
   * Smallest output width/height wanted; the decoder picks the largest DCT
   * scale 1/1, 1/2, 1/4, 1/8 whose output still covers both. Without either,
   * the image is decoded at full size.
   */
  minWidth?: number;
  minHeight?: number;
  /**
   * Reject (JpegError 'too_large') before allocating anything if width *
   * height of the full image exceeds this. Default 100 MP, which is no
   * protection for a 128 MB isolate at scale 1/1: pass your own.
   */
  maxPixels?: number;
}

export interface DecodedJpeg {
  width: number;
  height: number;
  /** RGBA 8-bit, length width * height * 4, alpha 255. */
  data: Uint8Array;
  /** The image was downscaled by 1/scale in the DCT domain. */
  scale: 1 | 2 | 4 | 8;
  fullWidth: number;
  fullHeight: number;
  progressive: boolean;
}

export const DEFAULT_MAX_PIXELS = 100_000_000;

/**
 * Every progressive scan touches every block of its component, and an
 * end-of-band run lets a scan cover 32767 blocks in a few bytes, so a small
 * file of many tiny scans could cost seconds of CPU (about 100 scans over a
 * 100 MP image is ~1-2 s here). Encoders write about 10 (libjpeg) to 30
 * (mozjpeg, jpegrescan) scans; libjpeg-turbo's tools cap this too.
 */
const MAX_SCANS = 100;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

interface Component {
  readonly id: number;
  readonly index: number;
  readonly h: number;
  readonly v: number;
  readonly tq: number;
  /** Samples of this component in the full image, and its blocks (as a single-component scan covers them). */
  readonly width: number;
  readonly height: number;
  readonly blocksWide: number;
  readonly blocksHigh: number;
  /** Block grid padded to whole MCUs, as interleaved scans cover it. */
  readonly paddedBlocksWide: number;
  readonly paddedBlocksHigh: number;
  /** Output pixels per block (its IDCT size: 1, 2, 4 or 8 each way), and the highest zigzag index that reads. */
  readonly sizeH: number;
  readonly sizeV: number;
  readonly limit: number;
  /** Replication from component samples to output pixels. */
  readonly uh: number;
  readonly uv: number;
  /** Dequantization multipliers for a sizeH x sizeV output block, latched at the component's first scan as libjpeg does. */
  qf: Float64Array | null;
  /** Coefficient storage (progressive / multi-scan): `stored` Int16 per block, plus an 8-byte nonzero mask per block when stored < 64. */
  coefs: Int16Array;
  stored: number;
  mask: Uint8Array;
  /** Per block, the highest zigzag index below `stored` that may be nonzero. */
  lastNz: Uint8Array;
}

interface Frame {
  readonly width: number;
  readonly height: number;
  readonly progressive: boolean;
  readonly components: Component[];
  readonly maxH: number;
  readonly maxV: number;
  readonly mcusWide: number;
  readonly mcusHigh: number;
  readonly scale: 1 | 2 | 4 | 8;
  readonly outWidth: number;
  readonly outHeight: number;
}

interface ScanComponent {
  readonly c: Component;
  readonly dc: HuffmanTable | null;
  readonly ac: HuffmanTable | null;
}

type ScanKind = 'sequential' | 'dcFirst' | 'dcRefine' | 'acFirst' | 'acRefine';

const truncated = (): JpegError => new JpegError('truncated', 'The JPEG data ends before the image is complete.');

export function decodeJpeg(bytes: Uint8Array, opts: JpegDecodeOptions = {}): DecodedJpeg {
  return new Decoder(bytes, opts).decode();
}

class Decoder {
  private readonly data: Uint8Array;
  private readonly opts: JpegDecodeOptions;
  private pos = 0;
  private readonly quant: (Uint16Array | null)[] = [null, null, null, null];
  private readonly dcTables: (HuffmanTable | null)[] = [null, null, null, null];
  private readonly acTables: (HuffmanTable | null)[] = [null, null, null, null];
  private restartInterval = 0;
  /** Adobe APP14 transform flag, -1 without the marker. */
  private adobeTransform = -1;
  private frame: Frame | null = null;
  /** streaming: one baseline scan decoded straight to pixels; coefficients: whole-image storage until EOI. */
  private mode: 'none' | 'streaming' | 'coefficients' = 'none';
  private scans = 0;
  private output: Uint8Array | null = null;
  private readonly reader: EntropyReader;
  /** Scratch block (80 = 64 + overshoot slots, see ZIGZAG_TO_NATURAL) and IDCT workspace, reused for every block. */
  private readonly blk = new Float64Array(80);
  private readonly ws = new Float64Array(72);

  constructor(data: Uint8Array, opts: JpegDecodeOptions) {
    this.data = data;
    this.opts = opts;
    this.reader = new EntropyReader(data);
  }

  decode(): DecodedJpeg {
    const data = this.data;
    if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) throw new JpegError('corrupt', 'Not a JPEG: no SOI marker.');
    this.pos = 2;
    // Every iteration consumes at least the two marker bytes, so this ends within data.length / 2 iterations.
    for (;;) {
      const marker = this.nextMarker();
      if (marker === 0xd9) return this.finish();
      if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // TEM and stray RSTn carry no segment
      if (marker === 0xd8) throw new JpegError('corrupt', 'Second SOI marker.');
      const [start, end] = this.segment();
      switch (marker) {
        case 0xc0:
        case 0xc1:
        case 0xc2:
          this.readFrame(start, end, marker === 0xc2);
          break;
        case 0xc3:
          throw new JpegError('unsupported', 'Lossless JPEG is not supported.');
        case 0xc5:
        case 0xc6:
        case 0xc7:
          throw new JpegError('unsupported', 'Hierarchical JPEG is not supported.');
        case 0xc9:
        case 0xca:
        case 0xcb:
        case 0xcd:
        case 0xce:
        case 0xcf:
          throw new JpegError('unsupported', 'Arithmetic-coded JPEG is not supported.');
        case 0xc4:
          this.readHuffmanTables(start, end);
          break;
        case 0xdb:
          this.readQuantTables(start, end);
          break;
        case 0xdd:
          if (end - start < 2) throw new JpegError('corrupt', 'DRI segment is too short.');
          this.restartInterval = (data[start]! << 8) | data[start + 1]!;
          break;
        case 0xee:
          // APP14 "Adobe": the transform flag says whether 3/4 components are YCbCr/YCCK (1/2) or RGB/CMYK (0).
          if (end - start >= 12 && data[start] === 0x41 && data[start + 1] === 0x64 && data[start + 2] === 0x6f && data[start + 3] === 0x62 && data[start + 4] === 0x65) {
            this.adobeTransform = data[start + 11]!;
          }
          break;
        case 0xda:
          this.pos = this.readScan(start, end);
          continue;
        default:
          break; // APPn, COM, DNL, DAC, JPGn: nothing we need
      }
      this.pos = end;
    }
  }

  /** Reads the next marker code and moves past it. Bytes that are not a marker are skipped, as libjpeg does (with a warning). */
  private nextMarker(): number {
    const data = this.data;
    let pos = this.pos;
    for (;;) {
      const i = data.indexOf(0xff, pos);
      if (i < 0) throw truncated();
      pos = i;
      while (pos < data.length && data[pos] === 0xff) pos++; // fill bytes
      if (pos >= data.length) throw truncated();
      const code = data[pos++]!;
      if (code !== 0) {
        this.pos = pos;
        return code;
      }
    }
  }

  /** The current segment's payload [start, end), after its 2-byte length. */
  private segment(): [number, number] {
    const data = this.data;
    if (this.pos + 2 > data.length) throw truncated();
    const length = (data[this.pos]! << 8) | data[this.pos + 1]!;
    if (length < 2) throw new JpegError('corrupt', 'Marker segment length is below 2.');
    const end = this.pos + length;
    if (end > data.length) throw truncated();
    return [this.pos + 2, end];
  }

  private readQuantTables(start: number, end: number): void {
    const data = this.data;
    let p = start;
    while (p < end) {
      const pq = data[p]! >> 4;
      const tq = data[p]! & 15;
      p++;
      if (tq > 3 || pq > 1) throw new JpegError('corrupt', 'Bad DQT table id or precision.');
      const bytes = pq === 0 ? 64 : 128;
      if (p + bytes > end) throw new JpegError('corrupt', 'DQT segment is too short.');
      const table = new Uint16Array(64);
      for (let k = 0; k < 64; k++) table[k] = pq === 0 ? data[p + k]! : (data[p + 2 * k]! << 8) | data[p + 2 * k + 1]!;
      this.quant[tq] = table;
      p += bytes;
    }
  }

  private readHuffmanTables(start: number, end: number): void {
    const data = this.data;
    let p = start;
    while (p < end) {
      if (p + 17 > end) throw new JpegError('corrupt', 'DHT segment is too short.');
      const tc = data[p]! >> 4;
      const th = data[p]! & 15;
      if (tc > 1 || th > 3) throw new JpegError('corrupt', 'Bad DHT table class or id.');
      const counts = data.slice(p + 1, p + 17);
      let total = 0;
      for (let i = 0; i < 16; i++) total += counts[i]!;
      p += 17;
      if (total > 256 || p + total > end) throw new JpegError('corrupt', 'DHT segment has a bad symbol count.');
      const table = buildHuffmanTable(counts, data.slice(p, p + total), tc === 1);
      (tc === 0 ? this.dcTables : this.acTables)[th] = table;
      p += total;
    }
  }

  private readFrame(start: number, end: number, progressive: boolean): void {
    const data = this.data;
    if (this.frame) throw new JpegError('corrupt', 'More than one frame header.');
    if (end - start < 6) throw new JpegError('corrupt', 'SOF segment is too short.');
    const precision = data[start]!;
    const height = (data[start + 1]! << 8) | data[start + 2]!;
    const width = (data[start + 3]! << 8) | data[start + 4]!;
    const count = data[start + 5]!;
    if (precision !== 8) throw new JpegError('unsupported', `${precision}-bit JPEG is not supported (8-bit only).`);
    if (height === 0) throw new JpegError('unsupported', 'JPEG with the height in a DNL marker is not supported.');
    if (width === 0) throw new JpegError('corrupt', 'JPEG width is 0.');
    if (count !== 1 && count !== 3 && count !== 4) throw new JpegError('unsupported', `JPEG with ${count} components is not supported.`);
    if (end - start < 6 + 3 * count) throw new JpegError('corrupt', 'SOF segment is too short for its components.');
    // The bomb check comes before anything is sized from the header.
    const maxPixels = this.opts.maxPixels ?? DEFAULT_MAX_PIXELS;
    if (width * height > maxPixels) throw new JpegError('too_large', `JPEG is ${width}x${height}, above the limit of ${maxPixels} pixels.`);

    const raw: { id: number; h: number; v: number; tq: number }[] = [];
    for (let i = 0; i < count; i++) {
      const p = start + 6 + 3 * i;
      const id = data[p]!;
      let h = data[p + 1]! >> 4;
      let v = data[p + 1]! & 15;
      const tq = data[p + 2]!;
      if (h < 1 || h > 4 || v < 1 || v > 4 || tq > 3) throw new JpegError('corrupt', 'Bad component sampling factors or table id.');
      if (raw.some((c) => c.id === id)) throw new JpegError('corrupt', 'Duplicate component id.');
      // A lone component is coded non-interleaved, one block per MCU, whatever factors it declares.
      if (count === 1) h = v = 1;
      raw.push({ id, h, v, tq });
    }
    const maxH = Math.max(...raw.map((c) => c.h));
    const maxV = Math.max(...raw.map((c) => c.v));
    if (raw.some((c) => maxH % c.h !== 0 || maxV % c.v !== 0)) {
      throw new JpegError('unsupported', 'JPEG with fractional chroma sampling ratios is not supported.');
    }
    const mcusWide = Math.ceil(width / (8 * maxH));
    const mcusHigh = Math.ceil(height / (8 * maxV));

    // Decompression-bomb defence without maxPixels: every block costs at least
    // one bit (its DC code) in the data, so a header needing more blocks than
    // the file has bits cannot be complete.
    let blocks = 0;
    for (const c of raw) blocks += Math.ceil(Math.ceil((width * c.h) / maxH) / 8) * Math.ceil(Math.ceil((height * c.v) / maxV) / 8);
    if (blocks > 8 * (data.length - end)) throw truncated();

    const scale = this.chooseScale(width, height);
    const outBlock = 8 / scale;
    const components = raw.map((c, index): Component => {
      // Subsampled components get a larger IDCT where the ratio allows (up to
      // 8 pixels a side), so 4:2:0, 4:2:2 and 4:4:0 chroma need no upsampling
      // below scale 1/1; what is left is replicated.
      const sizeH = idctSize(outBlock * (maxH / c.h));
      const sizeV = idctSize(outBlock * (maxV / c.v));
      const cw = Math.ceil((width * c.h) / maxH);
      const ch = Math.ceil((height * c.v) / maxV);
      return {
        ...c,
        index,
        width: cw,
        height: ch,
        blocksWide: Math.ceil(cw / 8),
        blocksHigh: Math.ceil(ch / 8),
        paddedBlocksWide: mcusWide * c.h,
        paddedBlocksHigh: mcusHigh * c.v,
        sizeH,
        sizeV,
        limit: zigzagLimit(sizeH, sizeV),
        uh: (outBlock * (maxH / c.h)) / sizeH,
        uv: (outBlock * (maxV / c.v)) / sizeV,
        qf: null,
        coefs: new Int16Array(0),
        stored: 0,
        mask: new Uint8Array(0),
        lastNz: new Uint8Array(0),
      };
    });
    this.frame = {
      width,
      height,
      progressive,
      components,
      maxH,
      maxV,
      mcusWide,
      mcusHigh,
      scale,
      outWidth: Math.ceil(width / scale),
      outHeight: Math.ceil(height / scale),
    };
  }

  private chooseScale(width: number, height: number): 1 | 2 | 4 | 8 {
    const { minWidth, minHeight } = this.opts;
    if (minWidth === undefined && minHeight === undefined) return 1;
    for (const s of [8, 4, 2] as const) {
      if (Math.ceil(width / s) >= (minWidth ?? 0) && Math.ceil(height / s) >= (minHeight ?? 0)) return s;
    }
    return 1;
  }

  private colorTransform(frame: Frame): ColorTransform {
    const n = frame.components.length;
    if (n === 1) return 'grey';
    if (n === 4) return this.adobeTransform === 2 ? 'ycck' : 'cmyk';
    if (this.adobeTransform >= 0) return this.adobeTransform === 0 ? 'rgb' : 'ycbcr';
    const ids = frame.components.map((c) => c.id);
    return ids[0] === 0x52 && ids[1] === 0x47 && ids[2] === 0x42 ? 'rgb' : 'ycbcr';
  }

  /** Parses a SOS header and decodes (or skips) its entropy-coded data; returns the position of the marker after it. */
  private readScan(start: number, end: number): number {
    const data = this.data;
    const frame = this.frame;
    if (!frame) throw new JpegError('corrupt', 'Scan before the frame header.');
    if (++this.scans > MAX_SCANS) throw new JpegError('corrupt', `More than ${MAX_SCANS} scans.`);
    const n = data[start]!;
    if (n < 1 || n > 4 || end - start < 1 + 2 * n + 3) throw new JpegError('corrupt', 'Bad SOS header.');
    const p = start + 1 + 2 * n;
    const ss = data[p]!;
    const se = data[p + 1]!;
    const ah = data[p + 2]! >> 4;
    const al = data[p + 2]! & 15;
    const progressive = frame.progressive;
    if (progressive) {
      const bad = ss === 0 ? se !== 0 : n !== 1 || se < ss || se > 63;
      if (bad || al > 13 || (ah !== 0 && al !== ah - 1)) throw new JpegError('corrupt', 'Bad progressive scan parameters.');
    }
    const needDc = !progressive || (ss === 0 && ah === 0);
    const needAc = !progressive || ss > 0;

    const comps: ScanComponent[] = [];
    let blocksPerMcu = 0;
    for (let i = 0; i < n; i++) {
      const id = data[start + 1 + 2 * i]!;
      const tables = data[start + 2 + 2 * i]!;
      const c = frame.components.find((x) => x.id === id);
      if (!c || comps.some((x) => x.c === c)) throw new JpegError('corrupt', 'SOS names an unknown or repeated component.');
      const dc = needDc ? this.dcTables[tables >> 4] : null;
      const ac = needAc ? this.acTables[tables & 15] : null;
      if ((needDc && !dc) || (needAc && !ac)) throw new JpegError('corrupt', 'Scan uses an undefined Huffman table.');
      if (!c.qf) {
        const q = this.quant[c.tq];
        if (!q) throw new JpegError('corrupt', 'Component uses an undefined quantization table.');
        c.qf = dequantTable(q, c.sizeH, c.sizeV);
      }
      comps.push({ c, dc: dc ?? null, ac: ac ?? null });
      blocksPerMcu += c.h * c.v;
    }
    if (n > 1 && blocksPerMcu > 10) throw new JpegError('corrupt', 'More than 10 blocks per MCU.');
    const dataStart = end;

    if (this.mode === 'none') {
      const streaming = !progressive && n === frame.components.length;
      if (streaming) this.mode = 'streaming';
      else this.allocateCoefficients(frame);
    } else if (this.mode === 'streaming') {
      // A sequential frame codes each component once; anything after the full scan is surplus.
      return this.skipScan(dataStart);
    }

    // A component whose output is DC-only (scale 1/8 luma) needs no AC scan at
    // all: skip their bytes without decoding. Skipping only the bands above
    // the limit would be wrong: a later refinement scan over 1..63 needs to
    // know which of those coefficients earlier scans made nonzero.
    if (this.mode === 'coefficients' && progressive && ss > 0 && comps[0]!.c.limit === 0) return this.skipScan(dataStart);
    try {
      if (this.mode === 'streaming') return this.decodeStreaming(frame, comps, dataStart);
      return this.decodeToCoefficients(frame, comps, dataStart, ss, se, ah, al);
    } catch (error) {
      // Once the data has run out the decoder reads zero bits, which can look
      // like any kind of corruption: report the real cause.
      if (error instanceof JpegError && error.code === 'corrupt' && this.reader.stopped && this.reader.padBits > 0) {
        const cause = this.reader.premature();
        if (cause.code === 'truncated') throw cause;
      }
      throw error;
    }
  }

  private skipScan(pos: number): number {
    const m = this.reader.findMarker(pos, true);
    if (m < 0) throw truncated();
    return m;
  }

  private allocateCoefficients(frame: Frame): void {
    this.mode = 'coefficients';
    for (const c of frame.components) {
      const blocks = c.paddedBlocksWide * c.paddedBlocksHigh;
      c.stored = c.limit + 1;
      c.coefs = allocate(Int16Array, blocks * c.stored);
      c.lastNz = allocate(Uint8Array, blocks);
      if (frame.progressive && c.stored < 64) c.mask = allocate(Uint8Array, blocks * 8);
    }
  }

  /** Allocates the RGBA output and a writer holding per-component MCU-row sample buffers. */
  private startOutput(frame: Frame): RowWriter {
    const pixels = frame.outWidth * frame.outHeight;
    const output = allocate(Uint8Array, pixels * 4);
    this.output = output;
    const specs = frame.components.map((c) => ({
      stride: c.paddedBlocksWide * c.sizeH,
      lines: c.v * c.sizeV,
      uh: c.uh,
      uv: c.uv,
      realWidth: Math.ceil((c.width * c.sizeH) / 8),
      realLines: Math.ceil((c.height * c.sizeV) / 8),
    }));
    const out32 = new Uint32Array(output.buffer, output.byteOffset, pixels);
    return new RowWriter(this.colorTransform(frame), specs, out32, frame.outWidth, frame.outHeight, frame.maxV * (8 / frame.scale), frame.mcusHigh);
  }

  /** Baseline with every component in this scan: entropy decode, IDCT and colour convert one MCU row at a time. */
  private decodeStreaming(frame: Frame, comps: ScanComponent[], pos: number): number {
    const writer = this.startOutput(frame);
    const reader = this.reader;
    const blk = this.blk;
    const ws = this.ws;
    const buffers: Uint8Array[] = [];
    reader.start(pos);
    const interval = this.restartInterval;
    let todo = interval;
    // A single-component frame has h = v = 1, so its MCUs are its blocks, as a non-interleaved scan wants.
    for (let my = 0; my < frame.mcusHigh; my++) {
      for (const c of frame.components) buffers[c.index] = writer.buffer(c.index);
      for (let mx = 0; mx < frame.mcusWide; mx++) {
        if (interval !== 0) {
          if (todo === 0) {
            reader.restart();
            todo = interval;
          }
          todo--;
        }
        for (let i = 0; i < comps.length; i++) {
          const sc = comps[i]!;
          const c = sc.c;
          const rows = buffers[c.index]!;
          const sizeH = c.sizeH;
          const sizeV = c.sizeV;
          const stride = c.paddedBlocksWide * sizeH;
          const qf = c.qf!;
          if (sizeH === 1 && sizeV === 1) {
            // Scale 1/8 luma (and 4:4:4 chroma): one pixel per block, the DC; the AC is only skipped.
            for (let vy = 0; vy < c.v; vy++) {
              for (let hx = 0; hx < c.h; hx++) {
                reader.decodeBlock(sc.dc!, sc.ac!, c.index, blk, qf, ZIGZAG_TO_NATURAL, 0);
                rows[vy * stride + mx * c.h + hx] = CLAMP[((blk[0]! + PIXEL_BIAS) | 0) & 1023]!;
              }
            }
            blk[0] = 0;
            continue;
          }
          for (let vy = 0; vy < c.v; vy++) {
            for (let hx = 0; hx < c.h; hx++) {
              const last = reader.decodeBlock(sc.dc!, sc.ac!, c.index, blk, qf, ZIGZAG_TO_NATURAL, c.limit);
              idctBlock(sizeH, sizeV, blk, last, rows, vy * sizeV * stride + (mx * c.h + hx) * sizeH, stride, ws);
              // Clear what decodeBlock wrote (all at zigzag <= last) for the next block.
              for (let k = 0; k <= last; k++) blk[ZIGZAG_TO_NATURAL[k]!] = 0;
            }
          }
        }
      }
      // Stop as soon as a row needed bits past the data, rather than decoding zeros to the end.
      if (reader.overran()) throw reader.premature();
      writer.rowDone();
    }
    return reader.finishScan();
  }

  /** Progressive or non-interleaved sequential scan into the coefficient store. */
  private decodeToCoefficients(frame: Frame, comps: ScanComponent[], pos: number, ss: number, se: number, ah: number, al: number): number {
    const reader = this.reader;
    const kind: ScanKind = !frame.progressive ? 'sequential' : ss === 0 ? (ah === 0 ? 'dcFirst' : 'dcRefine') : ah === 0 ? 'acFirst' : 'acRefine';
    const interval = this.restartInterval;
    let todo = interval;
    reader.start(pos);

    if (comps.length === 1) {
      // Non-interleaved: MCU = one block, over the component's own block grid.
      const sc = comps[0]!;
      const c = sc.c;
      const wide = c.paddedBlocksWide;
      for (let by = 0; by < c.blocksHigh; by++) {
        if ((kind === 'acFirst' || kind === 'acRefine') && interval === 0) {
          // The bulk of a progressive file: keep these loops free of everything else.
          const ac = sc.ac!;
          const { coefs, stored, mask, lastNz } = c;
          const first = by * wide;
          const end = first + c.blocksWide;
          if (kind === 'acFirst') for (let b = first; b < end; b++) reader.decodeAcFirst(ac, coefs, b * stored, stored, mask, b * 8, lastNz, b, ss, se, al);
          else for (let b = first; b < end; b++) reader.decodeAcRefine(ac, coefs, b * stored, stored, mask, b * 8, lastNz, b, ss, se, al);
        } else {
          for (let bx = 0; bx < c.blocksWide; bx++) {
            if (interval !== 0) {
              if (todo === 0) {
                reader.restart();
                todo = interval;
              }
              todo--;
            }
            this.codeBlock(kind, sc, by * wide + bx, ss, se, al);
          }
        }
        if (reader.overran()) throw reader.premature();
      }
    } else {
      for (let my = 0; my < frame.mcusHigh; my++) {
        for (let mx = 0; mx < frame.mcusWide; mx++) {
          if (interval !== 0) {
            if (todo === 0) {
              reader.restart();
              todo = interval;
            }
            todo--;
          }
          for (const sc of comps) {
            const c = sc.c;
            for (let vy = 0; vy < c.v; vy++) {
              for (let hx = 0; hx < c.h; hx++) this.codeBlock(kind, sc, (my * c.v + vy) * c.paddedBlocksWide + mx * c.h + hx, ss, se, al);
            }
          }
        }
        if (reader.overran()) throw reader.premature();
      }
    }
    return reader.finishScan();
  }

  /** One block of a scan into the coefficient store (b: block index in the component's padded grid). */
  private codeBlock(kind: ScanKind, sc: ScanComponent, b: number, ss: number, se: number, al: number): void {
    const reader = this.reader;
    const c = sc.c;
    const off = b * c.stored;
    switch (kind) {
      case 'sequential': {
        // Raw coefficients in zigzag order (IDENTITY_ORDER, multipliers 1); keep the first `stored`.
        const blk = this.blk;
        const last = reader.decodeBlock(sc.dc!, sc.ac!, c.index, blk, ONES, IDENTITY_ORDER, c.limit);
        for (let k = 0; k < c.stored; k++) c.coefs[off + k] = blk[k]!;
        c.lastNz[b] = Math.min(last, c.stored - 1);
        blk.fill(0);
        break;
      }
      case 'dcFirst':
        reader.decodeDcFirst(sc.dc!, c.index, c.coefs, off, al);
        break;
      case 'dcRefine':
        reader.decodeDcRefine(c.coefs, off, al);
        break;
      case 'acFirst':
        reader.decodeAcFirst(sc.ac!, c.coefs, off, c.stored, c.mask, b * 8, c.lastNz, b, ss, se, al);
        break;
      case 'acRefine':
        reader.decodeAcRefine(sc.ac!, c.coefs, off, c.stored, c.mask, b * 8, c.lastNz, b, ss, se, al);
        break;
    }
  }

  /** After EOI: for coefficient mode, IDCT and colour convert the stored image. */
  private finish(): DecodedJpeg {
    const frame = this.frame;
    if (!frame) throw new JpegError('corrupt', 'JPEG has no frame header.');
    if (this.mode === 'none') throw new JpegError('corrupt', 'JPEG has no scans.');
    if (this.mode === 'coefficients') this.outputCoefficients(frame);
    const data = this.output!;
    if (!LITTLE_ENDIAN) {
      // The row writer packs RGBA as a little-endian uint32; swap back on the (hypothetical) big-endian host.
      for (let i = 0; i < data.length; i += 4) {
        const r = data[i + 3]!;
        const g = data[i + 2]!;
        data[i + 3] = data[i]!;
        data[i + 2] = data[i + 1]!;
        data[i] = r;
        data[i + 1] = g;
      }
    }
    return {
      width: frame.outWidth,
      height: frame.outHeight,
      data,
      scale: frame.scale,
      fullWidth: frame.width,
      fullHeight: frame.height,
      progressive: frame.progressive,
    };
  }

  private outputCoefficients(frame: Frame): void {
    const writer = this.startOutput(frame);
    const blk = this.blk;
    const ws = this.ws;
    for (let my = 0; my < frame.mcusHigh; my++) {
      for (const c of frame.components) {
        const rows = writer.buffer(c.index);
        const stride = c.paddedBlocksWide * c.sizeH;
        const sizeH = c.sizeH;
        const sizeV = c.sizeV;
        const stored = c.stored;
        const coefs = c.coefs;
        // A component never scanned has no table latched; its blocks are all zero, i.e. mid-grey.
        const qf = c.qf ?? ONES;
        const lastNz = c.lastNz;
        for (let vy = 0; vy < c.v; vy++) {
          const by = my * c.v + vy;
          for (let bx = 0; bx < c.paddedBlocksWide; bx++) {
            const b = by * c.paddedBlocksWide + bx;
            const off = b * stored;
            const top = lastNz[b]!;
            let last = 0;
            blk[0] = coefs[off]! * qf[0]!;
            for (let k = 1; k <= top; k++) {
              const v = coefs[off + k]!;
              if (v !== 0) {
                blk[ZIGZAG_TO_NATURAL[k]!] = v * qf[k]!;
                last = k;
              }
            }
            idctBlock(sizeH, sizeV, blk, last, rows, vy * sizeV * stride + bx * sizeH, stride, ws);
            for (let k = 0; k <= last; k++) blk[ZIGZAG_TO_NATURAL[k]!] = 0;
          }
        }
      }
      writer.rowDone();
    }
  }
}

const ONES = new Float64Array(80).fill(1);

/**
 * The big buffers (output, coefficients) are sized from the header, already
 * bounded by maxPixels; if the isolate still cannot provide them, say so as
 * too_large instead of a bare RangeError.
 */
function allocate<T>(ctor: new (length: number) => T, length: number): T {
  try {
    return new ctor(length);
  } catch (error) {
    if (error instanceof RangeError) throw new JpegError('too_large', `Cannot allocate ${length} elements for the image: ${error.message}`);
    throw error;
  }
}

/** Largest power of two <= 8 that divides n: the IDCT size giving n output pixels per block with integer replication. */
function idctSize(n: number): number {
  let size = 1;
  while (size < 8 && n % (size * 2) === 0) size *= 2;
  return size;
}
