import type { InferenceSession, Tensor } from 'onnxruntime-web/wasm';
import { toModelInput } from '../../image/preprocess.ts';
import type { Raster } from '../../image/raster.ts';
import { resample } from '../../image/resample.ts';
import type { InputSpec } from '../../models/manifest.ts';
import { round } from '../rank-labels.ts';
import { cropLine, rotate180, rotateQuad180, rotateQuadCcw } from './crop.ts';
import { ctcClasses, ctcGreedyDecode } from './ctc.ts';
import { boxesFromProbabilityMap } from './db-postprocess.ts';
import type { Quad } from './geometry.ts';
import type { OcrModels } from './manifest.ts';
import { readingOrder } from './reading-order.ts';
import { cutTile, pasteCore, planTiles } from './tiles.ts';

/**
 * Text in an image, PaddleOCR's three-stage system: a DB detector finds line
 * boxes, each box is cut out upright at the recogniser's height, an optional
 * classifier turns upside-down lines over, and a CTC recogniser reads them.
 * Every ORT call of the pipeline is in this file; the stages around them are
 * pure functions in the sibling modules.
 */

export interface OcrLine {
  text: string;
  /** Mean probability of the line's characters. */
  score: number;
  /** Bounds of the polygon, integer pixels of the upright image. */
  box: { xmin: number; ymin: number; xmax: number; ymax: number };
  /** Four corners in the text's own order: top-left, top-right, bottom-right, bottom-left of the text as read. */
  polygon: Array<[number, number]>;
}

export interface OcrResult {
  /** Lines in reading order: a row's lines joined by spaces, rows by newlines. */
  text: string;
  lines: OcrLine[];
}

/** Matches ServerTiming.measure, so a route can pass its timing straight through. */
export interface StageTimer {
  measure<T>(stage: string, work: () => Promise<T> | T, desc?: string): Promise<T>;
}

export interface OcrOptions {
  /** Longest detector input side, pixels (default: the det manifest's width, 960). */
  maxSide?: number;
  /** Most detector input pixels per run; larger inputs run as tiles, bounding the detector's memory (see tiles.ts). */
  detMaxPixels?: number;
  /**
   * Several narrow crops per recogniser run, padded to the widest (default
   * false: under ORT-web's single thread a batch was ~10% slower than the
   * same crops one by one, see packBatches).
   */
  batch?: boolean;
  /** Crops per recogniser run when batching (PaddleOCR's rec_batch_num is 6). */
  batchSize?: number;
  /** Most tensor columns (crops x width) per recogniser run (default: the rec manifest's maxWidth). */
  batchColumns?: number;
  /** Lines read with less mean confidence are dropped (PaddleOCR's drop_score). */
  minScore?: number;
  /**
   * At most this many detected lines are read, those the detector is surest
   * of (default: all, up to the decoder's maxCandidates). Recognition costs
   * 0.1-0.4 s of CPU per line, so a route should bound it.
   */
  maxLines?: number;
  timing?: StageTimer;
}

export interface OcrSessions {
  det: InferenceSession;
  rec: InferenceSession;
  cls?: InferenceSession;
}

/** Only the Tensor constructor is used, so onnxruntime-web and onnxruntime-node both fit. */
export type OcrRuntime = { Tensor: typeof Tensor };

const DEFAULT_BATCH = 6;
/**
 * 640 x 480 detector pixels per run kept ORT's wasm memory at 87.6 MB in
 * every measured configuration (51 MB of it the three loaded models).
 */
const DEFAULT_DET_MAX_PIXELS = 640 * 480;
/** Context each tile sees past its core (see tiles.ts for what tiling costs). */
const DET_TILE_OVERLAP = 64;
const DEFAULT_MIN_SCORE = 0.5;
/** PaddleOCR's cls_thresh: a line is turned over only when the classifier is this sure. */
const FLIP_THRESHOLD = 0.9;
/** The classifier's input is small (48 x 192): batches of its windows cost little memory. */
const CLS_BATCH = 16;
/** Windows classified per line at most: enough to outvote one odd window, few enough to stay cheap. */
const MAX_WINDOWS = 8;

const untimed: StageTimer = { measure: async (_stage, work) => work() };

/** Python 3's round(): halves go to the even neighbour. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** PaddleOCR's DetResizeForTest, limit_type "max": shrink to the limit, never enlarge, sides to multiples. */
export function detectorSize(width: number, height: number, maxSide: number, multiple: number): { width: number; height: number } {
  const ratio = Math.max(width, height) > maxSide ? maxSide / Math.max(width, height) : 1;
  const side = (v: number) => Math.max(multiple, roundHalfEven(Math.trunc(v * ratio) / multiple) * multiple);
  return { width: side(width), height: side(height) };
}

/** The spec of a crop tensor `width` wide: crops that fit are padded on the right, wider ones squeezed. */
function cropSpec(input: OcrModels['rec']['input'], width: number, cropWidth: number): InputSpec {
  return {
    name: input.name,
    layout: input.layout,
    dtype: input.dtype,
    width,
    height: input.height,
    // A crop already at the model height with letterbox scale 1 lands top-left, padded to the right.
    resize: cropWidth > width ? 'squash' : 'letterbox',
    channels: input.channels,
    normalize: input.normalize,
    pad: input.pad ?? 0,
  };
}

/** [n, 3, height, width] from crops already `height` tall. */
function cropBatch(crops: readonly Raster[], input: OcrModels['rec']['input'], width: number): { data: Float32Array; dims: number[] } {
  const size = 3 * input.height * width;
  const data = new Float32Array(crops.length * size);
  crops.forEach((crop, i) => {
    const image = crop.height === input.height ? crop : resample(crop, Math.max(1, Math.ceil((crop.width * input.height) / crop.height)), input.height);
    data.set(toModelInput(image, cropSpec(input, width, image.width)).data as Float32Array, i * size);
  });
  return { data, dims: [crops.length, 3, input.height, width] };
}

/**
 * Where the direction classifier looks. PaddleOCR squeezes a whole line into
 * 48x192, which for a long line (a 1800 px line is squeezed tenfold) leaves
 * strokes the classifier no longer reads: it called two upright lines of
 * test/fixtures/ocr/page-dense.png upside down at 0.96 and 0.91, and missed
 * upside-down lines. Unsqueezed windows of the classifier's width, spread
 * evenly along the line, are each read at the scale it was trained on, and
 * their mean is the line's score.
 */
export function directionWindows(line: Raster, width: number): Raster[] {
  if (line.width <= width) return [line];
  const count = Math.min(MAX_WINDOWS, Math.round(line.width / width));
  const windows: Raster[] = [];
  for (let k = 0; k < count; k++) {
    const x0 = count === 1 ? 0 : Math.round((k * (line.width - width)) / (count - 1));
    const data = new Uint8Array(width * line.height * 3);
    for (let y = 0; y < line.height; y++) {
      const row = (y * line.width + x0) * 3;
      data.set(line.data.subarray(row, row + width * 3), y * width * 3);
    }
    windows.push({ width, height: line.height, data });
  }
  return windows;
}

export interface RecBatch {
  /** Indices into the crop list. */
  items: number[];
  /** Tensor width: the widest crop, at least the model's base width, at most its cap. */
  width: number;
}

/**
 * Groups crops for the recogniser. PaddleOCR sorts crops by aspect ratio and
 * runs them six at a time padded to the widest. Under ORT-web (WASM, one
 * thread) that does not pay for this model: with no padding at all, 6 x 320
 * columns ran in 425 ms against 408 ms one by one, 3 x 640 in 418 against
 * 392, 2 x 1280 in 552 against 536 (test/golden/ocr/measure-ocr.ts
 * --batch-bench); and a batch costs memory with its
 * activations (6 x 960 grew wasm memory from 48 to 100 MB, 6 x 1920 to 153,
 * past the isolate's 128 MB). So batching is off by default, and when asked
 * for, a batch also stops at `maxColumns` tensor columns (count x width): no
 * run needs more memory than one crop of the widest allowed width. Padding
 * also changes what the model reads (its attention sees it), so results can
 * differ slightly between batched and unbatched runs.
 */
export function packBatches(widths: readonly number[], baseWidth: number, maxWidth: number, maxCount: number, maxColumns: number): RecBatch[] {
  const order = widths.map((_, i) => i).sort((a, b) => widths[a]! - widths[b]!);
  const tensorWidth = (w: number) => Math.min(maxWidth, Math.max(baseWidth, w));
  const batches: RecBatch[] = [];
  let current: RecBatch | undefined;
  for (const i of order) {
    const width = tensorWidth(widths[i]!);
    // Sorted by width, so this crop is the widest of the batch it joins.
    if (current && current.items.length < maxCount && (current.items.length + 1) * width <= maxColumns) {
      current.items.push(i);
      current.width = width;
      continue;
    }
    current = { items: [i], width };
    batches.push(current);
  }
  return batches;
}

async function runSingle(ort: OcrRuntime, session: InferenceSession, inputName: string, outputName: string, data: Float32Array, dims: number[]) {
  const tensor = new ort.Tensor('float32', data, dims);
  try {
    const results = await session.run({ [inputName]: tensor }, [outputName]);
    const out = results[outputName];
    if (!out || !(out.data instanceof Float32Array)) throw new Error(`output ${outputName} is not float32`);
    return { data: out.data, dims: out.dims };
  } finally {
    tensor.dispose();
  }
}

function integerBox(quad: Quad, width: number, height: number): OcrLine['box'] {
  const xs = quad.map((p) => p[0]);
  const ys = quad.map((p) => p[1]);
  return {
    xmin: Math.max(0, Math.floor(Math.min(...xs))),
    ymin: Math.max(0, Math.floor(Math.min(...ys))),
    xmax: Math.min(width, Math.ceil(Math.max(...xs))),
    ymax: Math.min(height, Math.ceil(Math.max(...ys))),
  };
}

interface Candidate {
  quad: Quad;
  image: Raster;
  text: string;
  score: number;
}

export async function recognizeText(pixels: Raster, sessions: OcrSessions, ort: OcrRuntime, models: OcrModels, opts: OcrOptions = {}): Promise<OcrResult> {
  const timing = opts.timing ?? untimed;
  const { det, rec, cls } = models;

  // 1. Detection: probability map -> rotated line boxes in image pixels.
  const size = detectorSize(pixels.width, pixels.height, opts.maxSide ?? Math.max(det.input.width, det.input.height), det.input.multiple);
  const detInput = await timing.measure('ocr-det-pre', () =>
    toModelInput(pixels, { ...det.input, width: size.width, height: size.height, resize: 'squash', pad: 0 }),
  );
  // Large inputs run as overlapping tiles, so the detector's memory is set by the tile (tiles.ts).
  const mapData = new Float32Array(size.width * size.height);
  for (const tile of planTiles(size.width, size.height, opts.detMaxPixels ?? DEFAULT_DET_MAX_PIXELS, DET_TILE_OVERLAP, det.input.multiple)) {
    const whole = tile.width === size.width && tile.height === size.height;
    const input = whole ? (detInput.data as Float32Array) : cutTile(detInput.data as Float32Array, 3, size.width, size.height, tile);
    const out = await timing.measure(
      'ocr-det',
      () => runSingle(ort, sessions.det, det.input.name, det.output.name, input, [1, 3, tile.height, tile.width]),
      `${tile.width}x${tile.height}`,
    );
    if (out.dims[2] !== tile.height || out.dims[3] !== tile.width) throw new Error(`detector map ${out.dims.join('x')} does not match its input`);
    pasteCore(mapData, size.width, out.data, tile);
  }
  const found = await timing.measure('ocr-det-post', () =>
    boxesFromProbabilityMap({ width: size.width, height: size.height, data: mapData }, det.output.decoder, pixels.width, pixels.height),
  );
  const boxes = opts.maxLines !== undefined && found.length > opts.maxLines ? [...found].sort((a, b) => b.score - a.score).slice(0, opts.maxLines) : found;
  if (boxes.length === 0) return { text: '', lines: [] };

  // 2. Crops, upright by geometry, at the recogniser's height.
  const candidates: Candidate[] = await timing.measure('ocr-crop', () =>
    boxes.map((b) => {
      // The crop may take in more of the surroundings than the box reported (cropUnclipRatio).
      const crop = cropLine(pixels, b.cropQuad, rec.input.height);
      return { quad: crop.turned ? rotateQuadCcw(b.quad) : b.quad, image: crop.image, text: '', score: 0 };
    }),
  );

  // 3. Direction: turn over the lines the classifier is sure are upside down.
  if (sessions.cls && cls) {
    const flipIndex = cls.labels.indexOf('180');
    const windows = candidates.map((c) => directionWindows(c.image, cls.input.width));
    const all = windows.flat();
    const flipP = new Float32Array(all.length);
    for (let start = 0; start < all.length; start += CLS_BATCH) {
      const batch = cropBatch(all.slice(start, start + CLS_BATCH), cls.input, cls.input.width);
      const out = await timing.measure('ocr-cls', () => runSingle(ort, sessions.cls!, cls.input.name, cls.output.name, batch.data, batch.dims));
      const classes = out.dims[1]!;
      for (let i = 0; i < batch.dims[0]!; i++) flipP[start + i] = out.data[i * classes + flipIndex]!;
    }
    let w = 0;
    candidates.forEach((c, i) => {
      const n = windows[i]!.length;
      let sum = 0;
      for (let k = 0; k < n; k++) sum += flipP[w + k]!;
      w += n;
      if (sum / n > FLIP_THRESHOLD) {
        c.image = rotate180(c.image);
        c.quad = rotateQuad180(c.quad);
      }
    });
  }

  // 4. Recognition, narrow crops batched together (see packBatches).
  const classes = ctcClasses(models.dictionary, rec.output.decoder.blank, rec.output.decoder.appendLabels);
  const maxWidth = rec.input.maxWidth ?? rec.input.width;
  const batches = packBatches(
    candidates.map((c) => c.image.width),
    rec.input.width,
    maxWidth,
    opts.batch === true ? (opts.batchSize ?? DEFAULT_BATCH) : 1,
    opts.batchColumns ?? maxWidth,
  );
  for (const { items, width } of batches) {
    const group = items.map((i) => candidates[i]!);
    const batch = cropBatch(
      group.map((c) => c.image),
      rec.input,
      width,
    );
    const out = await timing.measure(
      'ocr-rec',
      () => runSingle(ort, sessions.rec, rec.input.name, rec.output.name, batch.data, batch.dims),
      `${group.length}x${width}`,
    );
    group.forEach((c, i) => {
      const decoded = ctcGreedyDecode(out.data, out.dims, i, classes);
      c.text = decoded.text;
      c.score = decoded.score;
    });
  }

  // 5. Reading order.
  const minScore = opts.minScore ?? DEFAULT_MIN_SCORE;
  const kept = candidates.filter((c) => c.score >= minScore && c.text.trim() !== '');
  const rows = readingOrder(kept);
  const toLine = (c: Candidate): OcrLine => ({
    text: c.text,
    score: round(c.score),
    box: integerBox(c.quad, pixels.width, pixels.height),
    polygon: c.quad.map((p): [number, number] => [Math.round(p[0]), Math.round(p[1])]),
  });
  return {
    text: rows.map((row) => row.map((c) => c.text.trim()).join(' ')).join('\n'),
    lines: rows.flat().map(toLine),
  };
}
