import { describe, expect, it } from 'vitest';
import frontManifest from '../../../models/blazeface-front/manifest.json';
import backManifest from '../../../models/blazeface-back/manifest.json';
import type { Placement } from '../../image/preprocess.ts';
import {
  anchorsFor,
  decodeCandidates,
  decodeFaces,
  faceScore,
  generateAnchors,
  iou,
  presentFaces,
  weightedNonMaxSuppression,
  type BlazefaceDecoder,
  type FaceCandidate,
} from './decode-faces.ts';

// Runtime-agnostic (runs in workerd and Node): synthetic tensors only, no ORT, no files.
const front = frontManifest.output.decoder as BlazefaceDecoder;
const back = backManifest.output.decoder as BlazefaceDecoder;

const identity = (size: number): Placement => ({
  source: { x: 0, y: 0, width: size, height: size },
  target: { x: 0, y: 0, width: size, height: size },
});

/** Raw outputs with every anchor far below any threshold. */
function silent(decoder: BlazefaceDecoder) {
  const n = anchorsFor(decoder.anchors).length;
  return { scores: new Float32Array(n).fill(-20), boxes: new Float32Array(n * decoder.numCoords) };
}

/** Makes anchor `i` fire: box centre offset (dx, dy), size (w, h) and keypoints offsets, all in input pixels, [x, y] order. */
function fire(out: { scores: Float32Array; boxes: Float32Array }, i: number, logit: number, box: [number, number, number, number], keypoints: Array<[number, number]>) {
  out.scores[i] = logit;
  out.boxes.set(box, i * 16);
  keypoints.forEach(([x, y], k) => out.boxes.set([x, y], i * 16 + 4 + k * 2));
}

describe('SSD anchors (MediaPipe SsdAnchorsCalculator)', () => {
  it('gives the front model 896 anchors: 16x16 cells x 2 at stride 8, then 8x8 cells x 6 at stride 16', () => {
    const anchors = generateAnchors(front.anchors);
    expect(anchors).toHaveLength(896);
    // First cell of the stride-8 grid, its two anchors at the same centre.
    expect(anchors[0]).toEqual({ x: 0.5 / 16, y: 0.5 / 16, w: 1, h: 1 });
    expect(anchors[1]).toEqual(anchors[0]);
    expect(anchors[2]).toEqual({ x: 1.5 / 16, y: 0.5 / 16, w: 1, h: 1 });
    // Row-major: anchor 2 * 16 starts the second row.
    expect(anchors[32]).toEqual({ x: 0.5 / 16, y: 1.5 / 16, w: 1, h: 1 });
    expect(anchors[511]).toEqual({ x: 15.5 / 16, y: 15.5 / 16, w: 1, h: 1 });
    // The three stride-16 layers share one 8x8 grid, 6 anchors per cell.
    expect(anchors[512]).toEqual({ x: 0.5 / 8, y: 0.5 / 8, w: 1, h: 1 });
    expect(anchors[517]).toEqual(anchors[512]);
    expect(anchors[518]).toEqual({ x: 1.5 / 8, y: 0.5 / 8, w: 1, h: 1 });
    expect(anchors[895]).toEqual({ x: 7.5 / 8, y: 7.5 / 8, w: 1, h: 1 });
  });

  it('gives the back model the same 896-anchor layout over a 256 input (strides 16 and 32)', () => {
    const anchors = generateAnchors(back.anchors);
    expect(anchors).toHaveLength(896);
    expect(anchors[0]).toEqual({ x: 0.5 / 16, y: 0.5 / 16, w: 1, h: 1 });
    expect(anchors[895]).toEqual({ x: 7.5 / 8, y: 7.5 / 8, w: 1, h: 1 });
  });

  it('computes MediaPipe scales when anchor sizes are not fixed', () => {
    const anchors = generateAnchors({ ...front.anchors, fixedAnchorSize: false });
    const scale = (i: number) => 0.1484375 + ((0.75 - 0.1484375) * i) / 3;
    expect(anchors[0]!.w).toBeCloseTo(scale(0), 12);
    expect(anchors[1]!.w).toBeCloseTo(Math.sqrt(scale(0) * scale(1)), 12);
    // Stride-16 cell: layers 1, 2, 3, each with its interpolated anchor; the last one interpolates towards 1.0.
    const cell = anchors.slice(512, 518).map((a) => a.w);
    const expected = [scale(1), Math.sqrt(scale(1) * scale(2)), scale(2), Math.sqrt(scale(2) * scale(3)), scale(3), Math.sqrt(scale(3) * 1)];
    cell.forEach((w, i) => expect(w).toBeCloseTo(expected[i]!, 12));
  });

  it('generates each option set once', () => {
    expect(anchorsFor(front.anchors)).toBe(anchorsFor({ ...front.anchors }));
    expect(anchorsFor(front.anchors)).not.toBe(anchorsFor(back.anchors));
  });
});

describe('decoding raw BlazeFace outputs', () => {
  it('scores with a clipped sigmoid', () => {
    expect(faceScore(0, 100)).toBe(0.5);
    expect(faceScore(1e6, 100)).toBe(1 / (1 + Math.exp(-100)));
    expect(faceScore(-1e6, 100)).toBe(1 / (1 + Math.exp(100)));
    expect(faceScore(Math.log(3), 100)).toBeCloseTo(0.75, 12);
  });

  it('decodes a box and keypoints relative to their anchor ([x, y, w, h], input pixels)', () => {
    const out = silent(front);
    // Anchor 300: cell 150 of the 16x16 grid = row 9, column 6 -> centre (52, 76) in input pixels.
    fire(out, 300, 3, [4, -2, 32, 40], [[-8, -6], [8, -6], [0, 2], [0, 10], [-15, 0], [15, 0]]);
    const [c, ...rest] = decodeCandidates(front, out.boxes, out.scores, 0.75);
    expect(rest).toHaveLength(0);
    expect(c!.score).toBeCloseTo(1 / (1 + Math.exp(-3)), 6);
    const px = Array.from(c!.coords, (v) => v * 128);
    const expected = [56 - 16, 74 - 20, 56 + 16, 74 + 20, 44, 70, 60, 70, 52, 78, 52, 86, 37, 76, 67, 76];
    px.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4));
  });

  it('reads [y, x, h, w] when the output order is not reversed', () => {
    const out = silent(front);
    fire(out, 300, 3, [-2, 4, 40, 32], [[-6, -8], [-6, 8], [2, 0], [10, 0], [0, -15], [0, 15]]);
    const [c] = decodeCandidates({ ...front, reverseOutputOrder: false }, out.boxes, out.scores, 0.75);
    const px = Array.from(c!.coords.slice(0, 6), (v) => v * 128);
    [40, 54, 72, 94, 44, 70].forEach((v, i) => expect(px[i]).toBeCloseTo(v, 4));
  });

  it('keeps scores at or over the threshold only, and drops boxes without area', () => {
    const out = silent(front);
    const raw = Math.fround(Math.log(3));
    const threshold = faceScore(raw, 100); // 0.75 but for float32 rounding: the score of anchor 10 exactly
    fire(out, 10, raw, [0, 0, 20, 20], []);
    fire(out, 20, raw - 1e-3, [0, 0, 20, 20], []); // just under
    fire(out, 30, 5, [0, 0, -20, 20], []); // negative width
    const kept = decodeCandidates(front, out.boxes, out.scores, threshold);
    expect(kept).toHaveLength(1);
    expect(kept[0]!.score).toBe(threshold);
  });

  it('refuses outputs that do not match the anchor layout', () => {
    expect(() => decodeCandidates(front, new Float32Array(895 * 16), new Float32Array(895), 0.5)).toThrow(/896 anchors/);
    const { scores, boxes } = silent(front);
    expect(() => decodeCandidates({ ...front, keypoints: [...front.keypoints, 'chin'] }, boxes, scores, 0.5)).toThrow(/do not fit/);
  });
});

describe('weighted non-maximum suppression (MediaPipe WEIGHTED)', () => {
  const cand = (score: number, ...coords: number[]): FaceCandidate => ({ score, coords: Float64Array.from(coords) });

  it('averages overlapping detections by score and keeps the best score', () => {
    const a = cand(0.9, 0, 0, 10, 10, 3, 4);
    const b = cand(0.6, 2, 0, 12, 10, 5, 4); // IoU 80 / 120
    const far = cand(0.8, 50, 50, 60, 60, 55, 55);
    expect(iou(a.coords, b.coords)).toBeCloseTo(2 / 3, 12);
    const out = weightedNonMaxSuppression([b, far, a], 0.3);
    expect(out).toHaveLength(2);
    expect(out[0]!.score).toBe(0.9);
    const w = (x: number, y: number) => (x * 0.9 + y * 0.6) / 1.5;
    expect(Array.from(out[0]!.coords)).toEqual([w(0, 2), 0, w(10, 12), 10, w(3, 5), 4]);
    expect(out[1]).toEqual(far);
  });

  it('merges only overlaps strictly over the threshold', () => {
    const a = cand(0.9, 0, 0, 10, 10);
    const b = cand(0.6, 2, 0, 12, 10);
    expect(weightedNonMaxSuppression([a, b], 0.7)).toHaveLength(2);
    expect(weightedNonMaxSuppression([a, b], 0.3)).toHaveLength(1);
    // Touching boxes do not overlap.
    expect(iou(a.coords, cand(0.5, 10, 0, 20, 10).coords)).toBe(0);
  });

  it('chains nothing: a detection merged into the best one cannot pull in its own neighbours', () => {
    const a = cand(0.9, 0, 0, 10, 10);
    const b = cand(0.8, 4, 0, 14, 10); // IoU with a: 60/140 = 0.43
    const c = cand(0.7, 8, 0, 18, 10); // IoU with a: 20/180 = 0.11, with b: 0.43
    const out = weightedNonMaxSuppression([a, b, c], 0.3);
    expect(out).toHaveLength(2);
    expect(out[1]!.score).toBe(0.7);
  });
});

describe('decodeFaces', () => {
  it('merges neighbouring anchors on one face and maps it through a letterbox to image pixels', () => {
    const out = silent(front);
    const kps: Array<[number, number]> = [[-8, -6], [8, -6], [0, 2], [0, 10], [-15, 0], [15, 0]];
    // Anchors 300 and 301 share a cell (centre 52, 76); 302 is the next cell (centre 60, 76): its offsets say the same face.
    fire(out, 300, 3, [4, -2, 32, 40], kps);
    fire(out, 301, 2, [4, -2, 32, 40], kps);
    fire(out, 302, 2.5, [-4, -2, 32, 40], kps.map(([x, y]): [number, number] => [x - 8, y]));
    // A 256x512 image letterboxed top-left into 128x128 lands in 64x128: 4 image pixels per tensor pixel.
    const placement: Placement = { source: { x: 0, y: 0, width: 256, height: 512 }, target: { x: 0, y: 0, width: 64, height: 128 } };
    const faces = decodeFaces({ decoder: front, ...out, placement, imageWidth: 256, imageHeight: 512, threshold: 0.75, max: 10 });
    expect(faces).toHaveLength(1);
    const face = faces[0]!;
    expect(face.score).toBeCloseTo(1 / (1 + Math.exp(-3)), 6);
    // Every candidate decodes to the same face (centre 56, 74 in the tensor), so the average is that face.
    expect(face.box).toEqual({ xmin: 160, ymin: 216, xmax: 256, ymax: 376 }); // xmax 288 clamped to the image
    expect(face.keypoints.map((k) => k.name)).toEqual(['right_eye', 'left_eye', 'nose_tip', 'mouth_center', 'right_ear_tragion', 'left_ear_tragion']);
    expect(face.keypoints[0]).toEqual({ name: 'right_eye', x: 176, y: 280 });
    expect(face.keypoints[1]).toEqual({ name: 'left_eye', x: 240, y: 280 });
  });

  it('returns nothing for silent outputs and at most `max` faces', () => {
    const out = silent(front);
    expect(decodeFaces({ decoder: front, ...out, placement: identity(128), imageWidth: 128, imageHeight: 128, threshold: 0.75, max: 5 })).toEqual([]);
    for (const i of [0, 100, 200, 400, 600]) fire(out, i, 4, [0, 0, 10, 10], []);
    const faces = decodeFaces({ decoder: front, ...out, placement: identity(128), imageWidth: 128, imageHeight: 128, threshold: 0.75, max: 3 });
    expect(faces).toHaveLength(3);
  });

  it('presents integer boxes clamped to the image, best first', () => {
    const c = (score: number, ...coords: number[]): FaceCandidate => ({ score, coords: Float64Array.from(coords) });
    const faces = presentFaces([c(0.8, -5.2, 3.5, 20.4, 120, 1, 2), c(0.9, 1, 1, 2, 2, 1.5, 1.5)], ['nose_tip'], 100, 100, 10);
    expect(faces.map((f) => f.score)).toEqual([0.9, 0.8]);
    expect(faces[1]!.box).toEqual({ xmin: 0, ymin: 4, xmax: 20, ymax: 100 });
    expect(faces[1]!.keypoints).toEqual([{ name: 'nose_tip', x: 1, y: 2 }]);
  });
});
