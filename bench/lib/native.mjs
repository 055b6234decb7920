// The native reference pipeline on this CPU: libjpeg-turbo + libvips (sharp,
// with JPEG shrink-on-load) to the model's input size, then the same ONNX file
// in native onnxruntime-node on one thread (the Worker has one).
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { median } from './stats.mjs';

export function manifestOf(model) {
  return JSON.parse(readFileSync(new URL(`../../models/${model}/manifest.json`, import.meta.url), 'utf8'));
}

export const modelPath = (model, file = 'model.onnx') => new URL(`../../models/${model}/${file}`, import.meta.url).pathname;

const FIT = { crop: 'cover', squash: 'fill', letterbox: 'contain' };

/** Decoded and resized to the input, as the manifest says, then laid out and normalised as the tensor. */
async function nativeInput(bytes, input) {
  const { data } = await sharp(bytes).rotate().resize(input.width, input.height, { fit: FIT[input.resize], position: input.resize === 'letterbox' ? 'left top' : 'centre', background: { r: input.pad ?? 0, g: input.pad ?? 0, b: input.pad ?? 0 } }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const plane = input.width * input.height;
  const out = input.dtype === 'uint8' ? new Uint8Array(plane * 3) : new Float32Array(plane * 3);
  const order = input.channels === 'RGB' ? [0, 1, 2] : [2, 1, 0];
  const { scale, mean, std } = input.normalize;
  const nchw = input.layout === 'NCHW';
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) out[nchw ? c * plane + p : p * 3 + c] = (data[p * 3 + order[c]] * scale - mean[c]) / std[c];
  return new ort.Tensor(input.dtype, out, nchw ? [1, 3, input.height, input.width] : [1, input.height, input.width, 3]);
}

const sessions = new Map();
async function session(model) {
  if (!sessions.has(model)) sessions.set(model, ort.InferenceSession.create(modelPath(model), { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 }));
  return sessions.get(model);
}

/** Median ms of decode+resize+tensor, of inference, and of both, over `runs` runs after a warm-up. */
export async function nativePipeline(model, bytes, runs) {
  const { input } = manifestOf(model);
  const s = await session(model);
  const once = async () => {
    const t0 = performance.now();
    const tensor = await nativeInput(bytes, input);
    const t1 = performance.now();
    await s.run({ [input.name]: tensor });
    const t2 = performance.now();
    return { decode: t1 - t0, infer: t2 - t1, total: t2 - t0 };
  };
  await once();
  const times = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  return { decode: median(times.map((t) => t.decode)), infer: median(times.map((t) => t.infer)), total: median(times.map((t) => t.total)) };
}

/** Session creation of the native runtime, for the cold-start reference. */
export async function nativeSessionCreate(model) {
  const start = performance.now();
  const s = await ort.InferenceSession.create(readFileSync(modelPath(model)), { intraOpNumThreads: 1, logSeverityLevel: 3 });
  const ms = performance.now() - start;
  await s.release();
  return ms;
}
