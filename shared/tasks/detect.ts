import type { Placement } from '../image/preprocess.ts';
import type { DetectionDecoder } from '../models/manifest.ts';
import { round } from './rank-labels.ts';

/**
 * Detector output -> boxes in the upright original image's pixels: decode the
 * model's raw grid (format named by the manifest's decoder), keep scores over
 * the threshold, class-aware non-maximum suppression, then undo the
 * letterbox/crop placement.
 */
export interface Box {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

export interface Detection {
  label: string;
  score: number;
  box: Box;
}

interface Candidate {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
  cls: number;
}

const NMS_IOU = 0.45;
/**
 * Boxes of different classes this close are one object the detector could
 * not decide on (a dog also scored as a cat): keep only the likelier label.
 */
const SAME_OBJECT_IOU = 0.85;

function decodeYoloxGrid(values: Float32Array, dims: readonly number[], strides: number[], width: number, height: number, threshold: number): Candidate[] {
  const stride = dims[2]!;
  const classes = stride - 5;
  const out: Candidate[] = [];
  let anchor = 0;
  for (const s of strides) {
    const gw = Math.floor(width / s);
    const gh = Math.floor(height / s);
    for (let gy = 0; gy < gh; gy++) {
      for (let gx = 0; gx < gw; gx++, anchor++) {
        const o = anchor * stride;
        const objectness = values[o + 4]!;
        if (objectness < threshold) continue;
        let best = 0;
        let cls = 0;
        for (let c = 0; c < classes; c++) {
          const p = values[o + 5 + c]!;
          if (p > best) {
            best = p;
            cls = c;
          }
        }
        const score = objectness * best;
        if (score < threshold) continue;
        const cx = (values[o]! + gx) * s;
        const cy = (values[o + 1]! + gy) * s;
        const w = Math.exp(values[o + 2]!) * s;
        const h = Math.exp(values[o + 3]!) * s;
        out.push({ x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score, cls });
      }
    }
  }
  if (anchor !== dims[1]) throw new Error(`decoder expected ${anchor} anchors, the model gave ${dims[1]}`);
  return out;
}

function iou(a: Candidate, b: Candidate): number {
  const ix = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const iy = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const inter = ix * iy;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Greedy NMS per class (overlapping objects of different classes both stay:
 * a person on a horse), plus the same-object rule above across classes.
 */
export function nonMaxSuppression(candidates: Candidate[], iouThreshold = NMS_IOU): Candidate[] {
  const sorted = [...candidates].sort((a, b) => b.score - a.score);
  const kept: Candidate[] = [];
  for (const c of sorted) {
    if (kept.every((k) => iou(k, c) <= (k.cls === c.cls ? iouThreshold : SAME_OBJECT_IOU))) kept.push(c);
  }
  return kept;
}

export interface DecodeDetectionsOptions {
  decoder: DetectionDecoder;
  values: Float32Array;
  dims: readonly number[];
  inputWidth: number;
  inputHeight: number;
  /** Where the decoded image sat in the tensor, in decoded pixels. */
  placement: Placement;
  /** The decoded image's size (a JPEG may be decoded smaller than it is). */
  decodedWidth: number;
  decodedHeight: number;
  /** The upright original's size: boxes are reported in its pixels. */
  imageWidth: number;
  imageHeight: number;
  labels: string[];
  threshold: number;
  max: number;
}

export function decodeDetections(o: DecodeDetectionsOptions): Detection[] {
  if (o.decoder.type !== 'yolox-grid') throw new Error(`decodeDetections cannot read ${o.decoder.type} outputs`);
  const candidates = decodeYoloxGrid(o.values, o.dims, o.decoder.strides, o.inputWidth, o.inputHeight, o.threshold);
  const { source, target } = o.placement;
  // tensor -> decoded pixels -> original pixels
  const sx = (source.width / target.width) * (o.imageWidth / o.decodedWidth);
  const sy = (source.height / target.height) * (o.imageHeight / o.decodedHeight);
  const ox = source.x * (o.imageWidth / o.decodedWidth);
  const oy = source.y * (o.imageHeight / o.decodedHeight);
  const clampX = (v: number) => Math.round(Math.min(o.imageWidth, Math.max(0, ox + (v - target.x) * sx)));
  const clampY = (v: number) => Math.round(Math.min(o.imageHeight, Math.max(0, oy + (v - target.y) * sy)));
  return nonMaxSuppression(candidates)
    .slice(0, o.max)
    .map((c) => ({
      label: o.labels[c.cls] ?? `class_${c.cls}`,
      score: round(c.score),
      box: { xmin: clampX(c.x1), ymin: clampY(c.y1), xmax: clampX(c.x2), ymax: clampY(c.y2) },
    }));
}
