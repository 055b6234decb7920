import { toModelInput, type Placement } from '../image/preprocess.ts';
import type { Raster } from '../image/raster.ts';
import type { LoadedModel } from '../models/model-store.ts';
import type { ServerTiming } from '../timing/server-timing.ts';
import { onnxRuntime } from './ort-wasm.ts';
import { ApiError } from '../errors/api-error.ts';

/**
 * preprocess -> session.run -> the manifest's output as floats. Output
 * decoding by kind (softmax, L2 normalisation) happens here so task code
 * only ranks, thresholds and labels.
 */
export interface ModelOutput {
  values: Float32Array;
  dims: readonly number[];
  placement: Placement;
}

export async function runModel(model: LoadedModel, image: Raster, timing: ServerTiming): Promise<ModelOutput> {
  const { input, output } = model.manifest;
  const ort = await onnxRuntime();
  const prepared = await timing.measure('preprocess', () => toModelInput(image, input));
  const tensor = new ort.Tensor(input.dtype, prepared.data, prepared.dims);
  let raw: Float32Array;
  let dims: readonly number[];
  try {
    const results = await timing.measure('infer', () => model.session.run({ [input.name]: tensor }, [output.name]), model.manifest.id);
    const result = results[output.name];
    if (!result || !(result.data instanceof Float32Array)) throw new Error(`output ${output.name} is not float32`);
    raw = result.data;
    dims = result.dims;
  } catch (error) {
    throw new ApiError(500, 'model_failed', `Model ${model.manifest.id} failed to run.`, { reason: String(error).slice(0, 200) });
  } finally {
    tensor.dispose();
  }
  return { values: decodeOutput(raw, output.kind), dims, placement: prepared.placement };
}

export function decodeOutput(raw: Float32Array, kind: 'probabilities' | 'logits' | 'embedding' | 'detections'): Float32Array {
  if (kind === 'probabilities' || kind === 'detections') return raw;
  if (kind === 'logits') return softmax(raw);
  return l2Normalize(raw);
}

export function softmax(logits: Float32Array): Float32Array {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  const out = new Float32Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i]! - max);
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

export function l2Normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const v of vector) sum += v * v;
  const norm = Math.sqrt(sum) || 1;
  return vector.map((v) => v / norm);
}
