import type { Context } from 'hono';
import type { AppEnv } from '../http/app-env.ts';
import type { ModelManifest } from './manifest.ts';
import { loadModel, type ModelHandle } from './model-store.ts';
import { remoteModel } from './remote-model.ts';

/**
 * A model's graph (`files.<file>`) ready to run, where its manifest places it:
 * in this isolate, or in the Worker behind the service binding its file entry
 * names (`worker`). Task code calls this and never asks where the session is.
 */
export function openModel(c: Context<AppEnv>, manifest: ModelManifest, file = 'model'): Promise<ModelHandle> {
  const worker = manifest.files[file]?.worker;
  if (worker) return remoteModel(c, manifest, file, worker);
  return loadModel(c.env.MODEL_FILES, manifest, { file, bucket: c.env.MODEL_BUCKET });
}
