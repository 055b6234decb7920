import type { Placement } from '../../image/preprocess.ts';
import { round } from '../rank-labels.ts';

/**
 * BlazeFace (MediaPipe face detection) output -> faces with six keypoints in
 * the upright original image's pixels. A literal port of MediaPipe's
 * SsdAnchorsCalculator, TensorsToDetectionsCalculator and
 * NonMaxSuppressionCalculator (WEIGHTED), so the manifest can carry the same
 * option values as MediaPipe's face_detection_*.pbtxt graphs.
 *
 * Coordinates go: tensor-normalised (0..1 of the model input, what the
 * anchors and the model speak) -> tensor pixels -> image pixels through the
 * Placement (undoing letterbox and, for tiles, the tile offset) -> weighted
 * NMS in image pixels -> integer, clamped boxes. NMS runs after the mapping
 * (MediaPipe runs it before) so that detections of several runs (tiles, two
 * models) merge with the very same code; IoU does not change under the
 * uniform letterbox scale, so one run gives the same result either way.
 */

/** SsdAnchorsCalculatorOptions, camelCased (feature map sizes always come from the strides here). */
export interface SsdAnchorOptions {
  inputWidth: number;
  inputHeight: number;
  minScale: number;
  maxScale: number;
  offsetX: number;
  offsetY: number;
  /** One stride per layer; consecutive layers with the same stride share one grid. */
  strides: number[];
  aspectRatios: number[];
  /** MediaPipe's proto default is 1.0: one extra anchor per layer at sqrt(scale * nextScale). */
  interpolatedScaleAspectRatio: number;
  reduceBoxesInLowestLayer: boolean;
  /** BlazeFace: every anchor is 1x1, i.e. the regressors are plain offsets scaled by the input size. */
  fixedAnchorSize: boolean;
}

/** The manifest's `output.decoder` for BlazeFace models (see the zod schema in the report / manifest.ts). */
export interface BlazefaceDecoder {
  type: 'blazeface-anchors';
  anchors: SsdAnchorOptions;
  /**
   * The model's output tensors in anchor order. MediaPipe's TFLite models have
   * one regressor and one classificator tensor; the Barracuda ONNX export
   * splits each per feature-map grid (512 + 384 anchors), so both halves are
   * listed and concatenated in this order.
   */
  outputs: Array<{ scores: string; boxes: string }>;
  /** Values per anchor in the regressors (4 box + 2 * keypoints). */
  numCoords: number;
  boxCoordOffset: number;
  keypointCoordOffset: number;
  /** true: box is [x, y, w, h] and keypoints [x, y]; false: [y, x, h, w] and [y, x]. */
  reverseOutputOrder: boolean;
  /** Regressors are in input pixels: divide by these (the input size). */
  xScale: number;
  yScale: number;
  wScale: number;
  hScale: number;
  /** Raw logits are clipped to +-this before the sigmoid. */
  scoreClippingThreshold: number;
  /** MediaPipe's min_score_thresh for this model: the default request threshold. */
  minScore: number;
  /** NonMaxSuppression min_suppression_threshold (IoU; strictly greater merges). */
  minSuppressionThreshold: number;
  /** Keypoint names in output order, as the person in the picture names them (right_eye is the subject's right eye). */
  keypoints: string[];
}

export interface Box {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

export interface Keypoint {
  name: string;
  x: number;
  y: number;
}

export interface Face {
  score: number;
  box: Box;
  keypoints: Keypoint[];
}

/**
 * A detection before presentation: box corners then keypoints as x, y pairs,
 * in one flat array so weighted NMS can average everything in one loop.
 */
export interface FaceCandidate {
  score: number;
  /** [xmin, ymin, xmax, ymax, k0x, k0y, k1x, k1y, ...] */
  coords: Float64Array;
}

// ---------------------------------------------------------------- anchors

/** One anchor as MediaPipe's Anchor proto: centre and size, tensor-normalised. */
export interface Anchor {
  x: number;
  y: number;
  w: number;
  h: number;
}

function calculateScale(minScale: number, maxScale: number, strideIndex: number, numStrides: number): number {
  return numStrides === 1 ? (minScale + maxScale) / 2 : minScale + ((maxScale - minScale) * strideIndex) / (numStrides - 1);
}

/** SsdAnchorsCalculator::GenerateAnchors: grid by grid, row-major, the anchors of a cell consecutive. */
export function generateAnchors(o: SsdAnchorOptions): Anchor[] {
  const anchors: Anchor[] = [];
  const numLayers = o.strides.length;
  let layer = 0;
  while (layer < numLayers) {
    const widths: number[] = [];
    const heights: number[] = [];
    // Layers with the same stride share one feature map: their anchors go in the same cell.
    let last = layer;
    while (last < numLayers && o.strides[last] === o.strides[layer]) {
      const scale = calculateScale(o.minScale, o.maxScale, last, numLayers);
      const add = (s: number, ratio: number) => {
        const r = Math.sqrt(ratio);
        heights.push(s / r);
        widths.push(s * r);
      };
      if (last === 0 && o.reduceBoxesInLowestLayer) {
        add(0.1, 1.0);
        add(scale, 2.0);
        add(scale, 0.5);
      } else {
        for (const ratio of o.aspectRatios) add(scale, ratio);
        if (o.interpolatedScaleAspectRatio > 0) {
          const next = last === numLayers - 1 ? 1.0 : calculateScale(o.minScale, o.maxScale, last + 1, numLayers);
          add(Math.sqrt(scale * next), o.interpolatedScaleAspectRatio);
        }
      }
      last++;
    }
    const stride = o.strides[layer]!;
    const gridW = Math.ceil(o.inputWidth / stride);
    const gridH = Math.ceil(o.inputHeight / stride);
    for (let y = 0; y < gridH; y++) {
      for (let x = 0; x < gridW; x++) {
        for (let a = 0; a < widths.length; a++) {
          anchors.push({
            x: (x + o.offsetX) / gridW,
            y: (y + o.offsetY) / gridH,
            w: o.fixedAnchorSize ? 1 : widths[a]!,
            h: o.fixedAnchorSize ? 1 : heights[a]!,
          });
        }
      }
    }
    layer = last;
  }
  return anchors;
}

/** Anchors depend only on the options: computed once per distinct option set (two models -> two entries). */
const anchorCache = new Map<string, Anchor[]>();

export function anchorsFor(o: SsdAnchorOptions): Anchor[] {
  const key = JSON.stringify(o);
  let anchors = anchorCache.get(key);
  if (!anchors) {
    anchors = generateAnchors(o);
    anchorCache.set(key, anchors);
  }
  return anchors;
}

// ---------------------------------------------------------------- decoding

/** sigmoid(clip(raw)), as TensorsToDetectionsCalculator with sigmoid_score and score_clipping_thresh. */
export function faceScore(raw: number, clip: number): number {
  const x = Math.min(clip, Math.max(-clip, raw));
  return 1 / (1 + Math.exp(-x));
}

/** Inverse of the sigmoid: compare raw logits to it and skip exp() for the ~99% of anchors far below the threshold. */
function logit(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  return Math.log(p / (1 - p));
}

/**
 * Raw model outputs (all anchors, concatenated in decoder.outputs order) ->
 * candidates scoring at least `threshold`, in tensor-normalised coordinates.
 */
export function decodeCandidates(decoder: BlazefaceDecoder, boxes: Float32Array, scores: Float32Array, threshold: number): FaceCandidate[] {
  const anchors = anchorsFor(decoder.anchors);
  const n = anchors.length;
  const { numCoords, boxCoordOffset, keypointCoordOffset, reverseOutputOrder } = decoder;
  const numKeypoints = decoder.keypoints.length;
  if (boxCoordOffset + 4 > numCoords || keypointCoordOffset + 2 * numKeypoints > numCoords) {
    throw new Error(`blazeface decoder: a box and ${numKeypoints} keypoints do not fit in ${numCoords} coords per anchor`);
  }
  if (scores.length !== n || boxes.length !== n * numCoords) {
    throw new Error(`blazeface decoder expected ${n} anchors x ${numCoords} coords, the model gave ${scores.length} scores and ${boxes.length} values`);
  }
  // A threshold at or below 0 keeps everything; clipping happens before the comparison, as in MediaPipe.
  // The margin keeps float rounding in logit() from skipping a score exactly at the threshold: the exact test follows.
  const rawMin = logit(threshold) - 1e-6;
  const clip = decoder.scoreClippingThreshold;
  const out: FaceCandidate[] = [];
  for (let i = 0; i < n; i++) {
    const raw = Math.min(clip, Math.max(-clip, scores[i]!));
    if (raw < rawMin) continue;
    const score = faceScore(raw, clip);
    if (score < threshold) continue;
    const a = anchors[i]!;
    const o = i * numCoords + boxCoordOffset;
    const b0 = boxes[o]!;
    const b1 = boxes[o + 1]!;
    const b2 = boxes[o + 2]!;
    const b3 = boxes[o + 3]!;
    const cx = ((reverseOutputOrder ? b0 : b1) / decoder.xScale) * a.w + a.x;
    const cy = ((reverseOutputOrder ? b1 : b0) / decoder.yScale) * a.h + a.y;
    const w = ((reverseOutputOrder ? b2 : b3) / decoder.wScale) * a.w;
    const h = ((reverseOutputOrder ? b3 : b2) / decoder.hScale) * a.h;
    // A box with no area cannot be a face and would divide by zero in IoU.
    if (!(w > 0 && h > 0)) continue;
    const coords = new Float64Array(4 + numKeypoints * 2);
    coords[0] = cx - w / 2;
    coords[1] = cy - h / 2;
    coords[2] = cx + w / 2;
    coords[3] = cy + h / 2;
    for (let k = 0; k < numKeypoints; k++) {
      const ko = i * numCoords + keypointCoordOffset + k * 2;
      const k0 = boxes[ko]!;
      const k1 = boxes[ko + 1]!;
      coords[4 + k * 2] = ((reverseOutputOrder ? k0 : k1) / decoder.xScale) * a.w + a.x;
      coords[5 + k * 2] = ((reverseOutputOrder ? k1 : k0) / decoder.yScale) * a.h + a.y;
    }
    out.push({ score, coords });
  }
  return out;
}

/**
 * Tensor-normalised -> image pixels (floats): scale to tensor pixels, then
 * undo the placement exactly as shared/tasks/detect.ts does for YOLOX.
 */
export function candidatesToImage(candidates: FaceCandidate[], placement: Placement, inputWidth: number, inputHeight: number): FaceCandidate[] {
  const { source, target } = placement;
  const sx = source.width / target.width;
  const sy = source.height / target.height;
  return candidates.map((c) => {
    const coords = new Float64Array(c.coords.length);
    for (let i = 0; i < coords.length; i += 2) {
      coords[i] = source.x + (c.coords[i]! * inputWidth - target.x) * sx;
      coords[i + 1] = source.y + (c.coords[i + 1]! * inputHeight - target.y) * sy;
    }
    return { score: c.score, coords };
  });
}

// ---------------------------------------------------------------- weighted NMS

export function iou(a: Float64Array, b: Float64Array): number {
  const ix = Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!);
  const iy = Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!);
  if (ix <= 0 || iy <= 0) return 0;
  const inter = ix * iy;
  const union = (a[2]! - a[0]!) * (a[3]! - a[1]!) + (b[2]! - b[0]!) * (b[3]! - b[1]!) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * NonMaxSuppressionCalculator, algorithm WEIGHTED: take the best remaining
 * detection, gather every remaining one overlapping it by more than the
 * threshold (itself included), and output the score-weighted mean of their
 * boxes and keypoints with the best one's score. BlazeFace fires many
 * neighbouring anchors on one face; averaging them is steadier than keeping
 * one (the "tie resolution" of the BlazeFace paper).
 */
export function weightedNonMaxSuppression(candidates: FaceCandidate[], minSuppressionThreshold: number): FaceCandidate[] {
  let remaining = [...candidates].sort((a, b) => b.score - a.score);
  const out: FaceCandidate[] = [];
  while (remaining.length > 0) {
    const best = remaining[0]!;
    const rest: FaceCandidate[] = [];
    const sum = new Float64Array(best.coords.length);
    let total = 0;
    for (const c of remaining) {
      if (iou(c.coords, best.coords) > minSuppressionThreshold) {
        for (let i = 0; i < sum.length; i++) sum[i]! += c.coords[i]! * c.score;
        total += c.score;
      } else {
        rest.push(c);
      }
    }
    // `best` always overlaps itself (IoU 1), so total > 0 unless the score is 0;
    // MediaPipe then keeps it unaveraged, and so do we.
    if (total > 0) for (let i = 0; i < sum.length; i++) sum[i]! /= total;
    out.push({ score: best.score, coords: total > 0 ? sum : best.coords });
    // Guards against a candidate that does not overlap itself (NaN coordinates): it would loop forever.
    if (rest.length === remaining.length) break;
    remaining = rest;
  }
  return out;
}

// ---------------------------------------------------------------- presentation

/** Best first, at most `max`, box corners rounded and clamped to the image; keypoints rounded and clamped too. */
export function presentFaces(candidates: FaceCandidate[], keypointNames: string[], imageWidth: number, imageHeight: number, max: number): Face[] {
  const cx = (v: number) => Math.round(Math.min(imageWidth, Math.max(0, v)));
  const cy = (v: number) => Math.round(Math.min(imageHeight, Math.max(0, v)));
  return [...candidates]
    .sort((a, b) => b.score - a.score)
    .slice(0, max)
    .map((c) => ({
      score: round(c.score),
      box: { xmin: cx(c.coords[0]!), ymin: cy(c.coords[1]!), xmax: cx(c.coords[2]!), ymax: cy(c.coords[3]!) },
      keypoints: keypointNames.map((name, k) => ({ name, x: cx(c.coords[4 + k * 2]!), y: cy(c.coords[5 + k * 2]!) })),
    }));
}

export interface DecodeFacesOptions {
  decoder: BlazefaceDecoder;
  /** All regressors, [anchors * numCoords], in decoder.outputs order. */
  boxes: Float32Array;
  /** All raw classificator logits, [anchors]. */
  scores: Float32Array;
  placement: Placement;
  imageWidth: number;
  imageHeight: number;
  threshold: number;
  max: number;
}

/** One model run -> faces in image pixels. */
export function decodeFaces(o: DecodeFacesOptions): Face[] {
  const { inputWidth, inputHeight } = o.decoder.anchors;
  const candidates = candidatesToImage(decodeCandidates(o.decoder, o.boxes, o.scores, o.threshold), o.placement, inputWidth, inputHeight);
  return presentFaces(weightedNonMaxSuppression(candidates, o.decoder.minSuppressionThreshold), o.decoder.keypoints, o.imageWidth, o.imageHeight, o.max);
}
