import type { Context } from 'hono';
import type { Tensor } from 'onnxruntime-web/wasm';
import type { AppEnv } from '../http/app-env.ts';
import { decodeTargetFor, toModelInput, type ModelInput } from '../image/preprocess.ts';
import { decodeOutput } from '../inference/decode-output.ts';
import { runFailure } from '../inference/run-failure.ts';
import { onnxRuntime } from '../inference/ort-wasm.ts';
import type { IngestedImage } from '../ingest/ingest-image.ts';
import type { ModelManifest } from '../models/manifest.ts';
import type { ModelHandle, ModelSession } from '../models/model-store.ts';
import { openModel } from '../models/open-model.ts';
import type { Settle } from './batch-gather.ts';
import { BATCH_ROWS } from './batch-rows.ts';
import type { AnyImageTask, ModelRef } from './image-task.ts';

/** One cache miss of a batch, as answerTask hands it to the task's `run`. */
export interface BatchMiss {
  image: IngestedImage;
  params: Record<string, unknown>;
  model: ModelRef;
}

/** What one batched session run may hold: images, and decoded pixels kept alive until it runs. */
export const BATCH_RUN_LIMITS = { maxImages: 8, maxRasterBytes: 24 * 1024 * 1024 };

export interface BatchStats {
  /** Session runs that took several images at once. */
  batchedRuns: number;
  /** Images that went through a batched run. */
  batchedImages: number;
  /** Why the misses ran one at a time, when they did. */
  sequentialReason?: string;
}

/**
 * Computes a batch's cache misses. When the task has a row form (BATCH_ROWS)
 * and its model's graph takes a dynamic batch dimension, the images go
 * through one session run (in runs of at most BATCH_RUN_LIMITS); otherwise
 * each runs through the task's own `run`, one after another, exactly as the
 * single route would (an isolate has one thread: running them concurrently
 * would only raise peak memory).
 */
export async function computeMisses(c: Context<AppEnv>, task: AnyImageTask, items: BatchMiss[], settle: Settle<object>, stats: BatchStats): Promise<void> {
  const rows = BATCH_ROWS[task.task];
  const manifest = items[0]!.model as ModelManifest;
  let model: ModelHandle | undefined;
  if (!rows) stats.sequentialReason = `the ${task.task} task has no batched form`;
  else if (!rows.applies(manifest)) stats.sequentialReason = `${manifest.id} answers ${task.task} in more than one model run`;
  else if (items.length < 2) stats.sequentialReason = 'one cache miss';
  else if (manifest.input.maxBatch === 1) stats.sequentialReason = `the manifest of ${manifest.id} runs one image at a time (input.maxBatch)`;
  else {
    model = await c.get('timing').measure('load', () => openModel(c, manifest));
    if (!hasDynamicBatch(model.session, manifest.input.name)) {
      stats.sequentialReason = `the graph of ${manifest.id} has a fixed batch dimension of 1`;
      model = undefined;
    }
  }
  if (!rows || !rows.applies(manifest) || !model) {
    for (let index = 0; index < items.length; index++) {
      const { image, params, model: ref } = items[index]!;
      try {
        settle(index, { ok: true, value: await task.run(c, image, params, ref) });
      } catch (error) {
        settle(index, { ok: false, error });
      }
    }
    return;
  }
  const maxImages = Math.min(BATCH_RUN_LIMITS.maxImages, manifest.input.maxBatch ?? Infinity);
  let chunk: Array<{ index: number; input: ModelInput }> = [];
  let rasterBytes = 0;
  for (let index = 0; index < items.length; index++) {
    const { image } = items[index]!;
    try {
      const pixels = await image.pixels(decodeTargetFor(manifest.input, image.info.width, image.info.height));
      rasterBytes += pixels.data.byteLength;
      chunk.push({ index, input: await c.get('timing').measure('preprocess', () => toModelInput(pixels, manifest.input)) });
    } catch (error) {
      settle(index, { ok: false, error });
    }
    const last = index === items.length - 1;
    if (chunk.length > 0 && (last || chunk.length >= maxImages || rasterBytes >= BATCH_RUN_LIMITS.maxRasterBytes)) {
      await runChunk(c, model, chunk, items, settle, rows, stats);
      chunk = [];
      rasterBytes = 0;
    }
  }
}

/** A symbolic (or -1) first input dimension: the graph accepts any batch size. */
export function hasDynamicBatch(session: ModelSession, inputName: string): boolean {
  const meta = session.inputMetadata.find((m) => m.name === inputName);
  if (!meta || !meta.isTensor) return false;
  const first = meta.shape[0];
  return typeof first === 'string' || (typeof first === 'number' && first < 0);
}

async function runChunk(
  c: Context<AppEnv>,
  model: ModelHandle,
  chunk: Array<{ index: number; input: ModelInput }>,
  items: BatchMiss[],
  settle: Settle<object>,
  rows: (typeof BATCH_ROWS)[string],
  stats: BatchStats,
): Promise<void> {
  const { input: spec, output: outSpec, id } = model.manifest;
  const ort = await onnxRuntime();
  const per = chunk[0]!.input.data.length;
  const n = chunk.length;
  // One tensor of N images, stacked along the batch dimension.
  const data = spec.dtype === 'uint8' ? new Uint8Array(per * n) : new Float32Array(per * n);
  chunk.forEach(({ input }, k) => data.set(input.data, k * per));
  const tensor = new ort.Tensor(spec.dtype, data, [n, ...chunk[0]!.input.dims.slice(1)]);
  const params = items[chunk[0]!.index]!.params;
  let raw: Float32Array;
  try {
    const results = await c.get('timing').measure('infer', () => model.session.run({ [spec.name]: tensor }, [outSpec.name]), `${id} x${n}`);
    const result: Tensor | undefined = results[outSpec.name];
    if (!result || !(result.data instanceof Float32Array) || result.dims[0] !== n) throw new Error(`output ${outSpec.name} is not float32 [${n}, ...]`);
    raw = result.data;
  } catch (error) {
    const failure = runFailure(id, error);
    for (const { index } of chunk) settle(index, { ok: false, error: failure });
    return;
  } finally {
    tensor.dispose();
  }
  stats.batchedRuns++;
  stats.batchedImages += n;
  const rowLength = raw.length / n;
  chunk.forEach(({ index }, k) => {
    try {
      const values = decodeOutput(raw.slice(k * rowLength, (k + 1) * rowLength), outSpec.kind);
      settle(index, { ok: true, value: rows.row(model, values, params) });
    } catch (error) {
      settle(index, { ok: false, error });
    }
  });
}
