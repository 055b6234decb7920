import { toModelInput, type Placement } from '../../image/preprocess.ts';
import type { Raster } from '../../image/raster.ts';
import { resample } from '../../image/resample.ts';
import type { InputSpec } from '../../models/manifest.ts';
import type { ServerTiming } from '../../timing/server-timing.ts';
import {
  candidatesToImage,
  decodeCandidates,
  presentFaces,
  weightedNonMaxSuppression,
  type BlazefaceDecoder,
  type Face,
  type FaceCandidate,
} from './decode-faces.ts';
import { cutByInnerEdge, planTiles, type Rect, type TilePlan } from './tiles.ts';
import { runFailure } from '../../inference/run-failure.ts';

/**
 * Runs BlazeFace models on an image and merges what they find (policy in
 * tiles.ts). The models have several outputs (per-grid scores and
 * regressors), so this does not go through runModel, which reads one: it
 * runs the session itself and fetches every output the decoder names.
 *
 * Runtime-agnostic: the ORT session and tensor constructor are passed in,
 * so the Worker (onnxruntime-web) and the golden generator
 * (onnxruntime-node) run exactly this code.
 */

/** The parts of a ModelManifest this needs (a ModelManifest is assignable once manifest.ts knows the decoder). */
export interface FaceModelManifest {
  id: string;
  input: InputSpec;
  output: { decoder?: { type: string } };
}

/** Structural subset of onnxruntime's InferenceSession (web and node). */
export interface FaceSession<T> {
  run(feeds: Record<string, T>, fetches: readonly string[]): Promise<Record<string, { data: unknown }>>;
}

export interface FaceModel<T> {
  manifest: FaceModelManifest;
  session: FaceSession<T>;
}

export interface FaceRuntime<T> {
  /** e.g. (data, dims) => new ort.Tensor('float32', data, dims) */
  tensor(data: Float32Array, dims: readonly number[]): T;
  timing?: ServerTiming;
}

export interface DetectFacesOptions {
  /** Minimum score for every run; default: each model's decoder.minScore (front 0.75 as MediaPipe; back 0.8, stricter than MediaPipe's 0.65, which passes cat faces). */
  threshold?: number;
  /** Most faces returned, best first. */
  max: number;
  /** 'auto': tiles for large images (tiles.ts); 'off': whole-image runs only. */
  tiles: 'auto' | 'off';
  /**
   * The upright size of the original image, when `image` is a reduced decode
   * (see facesDecodeTarget): faces come back in its pixels, and the runs see
   * the same regions as on a full decode. Default: the raster's size.
   */
  imageSize?: { width: number; height: number };
}

export interface FaceRunInfo {
  model: string;
  /** The image region the run saw, in image pixels (the whole image for whole-image runs). */
  region: Rect;
  /** Candidates over the threshold before merging (after dropping tile-edge cuts). */
  candidates: number;
}

export interface DetectFacesResult {
  faces: Face[];
  runs: FaceRunInfo[];
}

export function blazefaceDecoder(manifest: FaceModelManifest): BlazefaceDecoder {
  const decoder = manifest.output.decoder;
  if (!decoder || decoder.type !== 'blazeface-anchors') throw new Error(`model ${manifest.id} has no blazeface-anchors decoder`);
  return decoder as BlazefaceDecoder;
}

/** One model run on `image` -> candidates in `image` pixels, before NMS. */
export async function runFaceModel<T>(model: FaceModel<T>, image: Raster, runtime: FaceRuntime<T>, threshold?: number): Promise<{ candidates: FaceCandidate[]; placement: Placement }> {
  const { manifest, session } = model;
  const decoder = blazefaceDecoder(manifest);
  const spec = manifest.input;
  const prepared = await measureIn(runtime, 'preprocess', () => toModelInput(image, spec));
  if (!(prepared.data instanceof Float32Array)) throw new Error(`model ${manifest.id}: BlazeFace takes float32 input`);
  const tensor = runtime.tensor(prepared.data, prepared.dims);
  const fetches = decoder.outputs.flatMap((o) => [o.scores, o.boxes]);
  let results: Record<string, { data: unknown }>;
  try {
    results = await measureIn(runtime, 'infer', () => session.run({ [spec.name]: tensor }, fetches), manifest.id);
  } catch (error) {
    throw runFailure(manifest.id, error);
  } finally {
    (tensor as { dispose?: () => void }).dispose?.();
  }
  const { scores, boxes } = concatOutputs(decoder, results);
  const candidates = decodeCandidates(decoder, boxes, scores, threshold ?? decoder.minScore);
  return { candidates: candidatesToImage(candidates, prepared.placement, spec.width, spec.height), placement: prepared.placement };
}

/** The decoder's outputs, concatenated in anchor order (the Barracuda export splits them per grid). */
export function concatOutputs(decoder: BlazefaceDecoder, results: Record<string, { data: unknown }>): { scores: Float32Array; boxes: Float32Array } {
  const parts = decoder.outputs.map((o) => {
    const scores = results[o.scores]?.data;
    const boxes = results[o.boxes]?.data;
    if (!(scores instanceof Float32Array) || !(boxes instanceof Float32Array)) throw new Error(`outputs ${o.scores}/${o.boxes} are missing or not float32`);
    return { scores, boxes };
  });
  const scores = new Float32Array(parts.reduce((n, p) => n + p.scores.length, 0));
  const boxes = new Float32Array(parts.reduce((n, p) => n + p.boxes.length, 0));
  let s = 0;
  let b = 0;
  for (const p of parts) {
    scores.set(p.scores, s);
    boxes.set(p.boxes, b);
    s += p.scores.length;
    b += p.boxes.length;
  }
  return { scores, boxes };
}

/** Copies a rectangle of a raster (working-copy tiles are at most model-sized, so this is small). */
function crop(image: Raster, r: Rect): Raster {
  const out = new Uint8Array(r.width * r.height * 3);
  for (let row = 0; row < r.height; row++) {
    const src = ((r.y + row) * image.width + r.x) * 3;
    out.set(image.data.subarray(src, src + r.width * 3), row * r.width * 3);
  }
  return { width: r.width, height: r.height, data: out };
}

/**
 * Faces in the upright image, from the whole-image runs of every model given
 * and, with tiles 'auto', back-model tiles of large images; merged with
 * weighted NMS (IoU threshold and keypoint names from the first model
 * given). Either model may be left out: front alone with tiles 'off' is
 * MediaPipe's short-range detector (1 run).
 */
export async function detectFaces<T>(
  image: Raster,
  models: { front?: FaceModel<T>; back?: FaceModel<T> },
  options: DetectFacesOptions,
  runtime: FaceRuntime<T>,
): Promise<DetectFacesResult> {
  const given = [models.front, models.back].filter((m): m is FaceModel<T> => m !== undefined);
  const first = given[0];
  if (!first) throw new Error('detectFaces needs at least one model');
  const width = options.imageSize?.width ?? image.width;
  const height = options.imageSize?.height ?? image.height;
  const { working, plan } = facesWorkingSize(width, height, { front: models.front?.manifest, back: models.back?.manifest }, options.tiles);
  // Tiles use the finer model: the back model if given, else the front one.
  const tileModel = models.back ?? first;

  // One downscaled copy serves every run: resampling a large photo once per
  // run would cost more than the runs (~100 ms per pass on a 6 MP photo).
  const same = image.width === working.width && image.height === working.height;
  const base = same ? image : await measureIn(runtime, 'preprocess', () => resample(image, working.width, working.height));
  const kx = width / base.width;
  const ky = height / base.height;

  const whole: Rect = { x: 0, y: 0, width: base.width, height: base.height };
  const passes: Array<{ model: FaceModel<T>; rect: Rect }> = given.map((model) => ({ model, rect: whole }));
  for (const tile of plan?.tiles ?? []) passes.push({ model: tileModel, rect: tile });

  const all: FaceCandidate[] = [];
  const runs: FaceRunInfo[] = [];
  for (const { model, rect } of passes) {
    const isWhole = rect === whole;
    const { candidates } = await runFaceModel(model, isWhole ? base : crop(base, rect), runtime, options.threshold);
    const region: Rect = { x: rect.x * kx, y: rect.y * ky, width: rect.width * kx, height: rect.height * ky };
    let kept = 0;
    for (const c of candidates) {
      // Run pixels -> image pixels; then drop faces cut by an inner tile edge (never true for whole-image runs).
      const coords = c.coords.map((v, i) => (i % 2 === 0 ? region.x + v * kx : region.y + v * ky));
      if (cutByInnerEdge({ xmin: coords[0]!, ymin: coords[1]!, xmax: coords[2]!, ymax: coords[3]! }, region, width, height)) continue;
      all.push({ score: c.score, coords });
      kept++;
    }
    runs.push({ model: model.manifest.id, region: roundRect(region), candidates: kept });
  }
  const decoder = blazefaceDecoder(first.manifest);
  const merged = weightedNonMaxSuppression(all, decoder.minSuppressionThreshold);
  return { faces: presentFaces(merged, decoder.keypoints, width, height, options.max), runs };
}

/**
 * The size of the one downscaled copy every run works from, for an upright
 * image of width x height: the tiles' working copy when there are tiles
 * (cut for the back model if given, else the front one), else the image
 * fitted into the largest model input (never upscaled).
 */
export function facesWorkingSize(
  width: number,
  height: number,
  manifests: { front?: FaceModelManifest; back?: FaceModelManifest },
  tiles: 'auto' | 'off',
): { working: { width: number; height: number }; plan: TilePlan | null } {
  const tileManifest = manifests.back ?? manifests.front;
  const plan = tiles === 'auto' && tileManifest ? planTiles(width, height, tileManifest.input.width) : null;
  if (plan) return { working: { width: plan.workWidth, height: plan.workHeight }, plan };
  const inputs = [manifests.front, manifests.back].flatMap((m) => (m ? [m.input.width, m.input.height] : []));
  const fit = Math.min(1, Math.max(...inputs) / Math.max(width, height));
  return { working: { width: Math.max(1, Math.round(width * fit)), height: Math.max(1, Math.round(height * fit)) }, plan };
}

/**
 * What to ask the decoder for (IngestedImage.pixels(target)), from the
 * manifests alone so decoding can run while the models load: the working
 * size, so a large JPEG is decoded at a fraction of its size. Then pass the
 * original size as options.imageSize to detectFaces with the raster you got.
 */
export function facesDecodeTarget(
  width: number,
  height: number,
  manifests: { front?: FaceModelManifest; back?: FaceModelManifest },
  tiles: 'auto' | 'off',
): { minWidth: number; minHeight: number } {
  const { working } = facesWorkingSize(width, height, manifests, tiles);
  return { minWidth: working.width, minHeight: working.height };
}

/** Server-Timing stage when the route passes its timing (stages add up over runs). */
function measureIn<T, R>(runtime: FaceRuntime<T>, stage: string, work: () => R | Promise<R>, desc?: string): Promise<R> {
  return runtime.timing ? runtime.timing.measure(stage, work, desc) : Promise.resolve(work());
}

function roundRect(r: Rect): Rect {
  return { x: Math.round(r.x), y: Math.round(r.y), width: Math.round(r.width), height: Math.round(r.height) };
}
