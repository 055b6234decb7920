import { toModelInput, type Placement } from '../image/preprocess.ts';
import type { Raster } from '../image/raster.ts';
import type { ModelHandle } from '../models/model-store.ts';
import type { ServerTiming } from '../timing/server-timing.ts';
import { onnxRuntime } from './ort-wasm.ts';
import { decodeOutput } from './decode-output.ts';
import { runFailure } from './run-failure.ts';

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

export async function runModel(model: ModelHandle, image: Raster, timing: ServerTiming): Promise<ModelOutput> {
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
    throw runFailure(model.manifest.id, error);
  } finally {
    tensor.dispose();
  }
  return { values: decodeOutput(raw, output.kind), dims, placement: prepared.placement };
}
