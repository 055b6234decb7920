import type { Context } from 'hono';
import { Tensor } from 'onnxruntime-web/wasm';
import { z } from 'zod';
import { ApiError } from '../errors/api-error.ts';
import type { AppEnv } from '../http/app-env.ts';
import { decodeTensors, encodeTensors, WireError, type WireTensor } from '../inference/tensor-wire.ts';
import { readCapped } from '../ingest/read-capped.ts';
import { callWorker } from '../runtime/service-call.ts';
import { outliveRequest } from '../runtime/shared-load.ts';
import type { ModelManifest } from './manifest.ts';
import { modelLabels, type ModelHandle, type ModelSession } from './model-store.ts';

/**
 * A session that lives in another Worker (functions/model-host), for a graph
 * whose manifest file entry names that Worker's service binding (`worker`).
 * Opening it asks the host to load the graph (once per API isolate, shared
 * like a local load); each run sends the feeds and receives the outputs as
 * tensor messages (shared/inference/tensor-wire.ts). Preprocessing, caching
 * and post-processing stay here, so answers are the same wherever a model runs.
 */

export const modelHostPath = (manifest: ModelManifest, file: string, action: 'open' | 'run'): string =>
  `/internal/models/${encodeURIComponent(manifest.id)}/${encodeURIComponent(file)}/${action}`;

/** Batches of 16 images at 256x256 float32 are 12.6 MB; anything past this is a bug, not a workload. */
export const MAX_TENSOR_MESSAGE_BYTES = 64 * 1024 * 1024;

const Opened = z.strictObject({
  inputMetadata: z.array(
    z.union([
      z.strictObject({ name: z.string(), isTensor: z.literal(true), type: z.string(), shape: z.array(z.union([z.number(), z.string()])) }),
      z.strictObject({ name: z.string(), isTensor: z.literal(false) }),
    ]),
  ),
  loadMs: z.number(),
});
type Opened = z.infer<typeof Opened>;

const opened = new Map<string, Promise<Opened & { labels: string[] | undefined }>>();

/** Per-stage timing of the host appears as `<prefix>.load`, `<prefix>.infer`: CLIP_IMAGE_WORKER -> clip-image. */
const timingPrefix = (binding: string) => binding.replace(/_WORKER$/, '').toLowerCase().replaceAll('_', '-');

export async function remoteModel(c: Context<AppEnv>, manifest: ModelManifest, file: string, binding: string): Promise<ModelHandle> {
  const fetcher = (c.env as unknown as Record<string, Fetcher | undefined>)[binding];
  const what = `Model ${manifest.id} (${file})`;
  const call = (action: 'open' | 'run', body: BodyInit) =>
    callWorker(fetcher, new Request(`https://model-host${modelHostPath(manifest, file, action)}`, { method: 'POST', body }), {
      binding,
      what,
      timing: c.get('timing'),
      prefix: timingPrefix(binding),
    });

  const key = `${manifest.id}@${manifest.version}#${file}`;
  let open = opened.get(key);
  if (!open) {
    open = (async () => {
      const [answer, labels] = await Promise.all([
        call('open', ''),
        modelLabels(c.env.MODEL_FILES, c.env.MODEL_BUCKET, manifest, file),
      ]);
      const parsed = Opened.safeParse(await answer.json().catch(() => undefined));
      if (!parsed.success) throw new ApiError(502, 'model_failed', `${what}: the model Worker's open answer is malformed.`);
      return { ...parsed.data, labels };
    })();
    opened.set(key, open);
    outliveRequest(open);
    // A failed open is forgotten so the next request tries again.
    open.catch(() => {
      if (opened.get(key) === open) opened.delete(key);
    });
  }
  const { inputMetadata, loadMs, labels } = await open;

  const session: ModelSession = {
    inputMetadata: inputMetadata as ModelSession['inputMetadata'],
    async run(feeds, fetches) {
      const request = encodeTensors({ tensors: feeds as Record<string, WireTensor>, fetches: [...fetches] });
      const answer = await call('run', request);
      let outputs: Record<string, WireTensor>;
      try {
        const body = await readCapped(answer.body, MAX_TENSOR_MESSAGE_BYTES, answer.headers.get('content-length'), `${what}'s outputs`);
        outputs = decodeTensors(body).tensors;
      } catch (error) {
        if (error instanceof WireError) throw new ApiError(502, 'model_failed', `${what}: the model Worker's outputs are malformed (${error.message}).`);
        throw error;
      }
      const missing = fetches.find((name) => !(name in outputs));
      if (missing) throw new ApiError(502, 'model_failed', `${what}: the model Worker did not return output ${missing}.`);
      return Object.fromEntries(Object.entries(outputs).map(([name, t]) => [name, new Tensor(t.type, t.data as Float32Array, t.dims)]));
    },
  };
  return { manifest, session, labels, loadMs };
}
