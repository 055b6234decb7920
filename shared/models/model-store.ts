import type { InferenceSession } from 'onnxruntime-web/wasm';
import { ApiError } from '../errors/api-error.ts';
import { sha256Hex } from '../hash/sha256.ts';
import { onnxRuntime } from '../inference/ort-wasm.ts';
import type { ModelManifest } from './manifest.ts';

/**
 * Loads a model once per isolate, on first use: fetches its files from the
 * Workers static-assets binding (weights stay out of the script bundle and
 * its size limit), checks each file's size and SHA-256 against the manifest,
 * and creates the ORT session. Concurrent first requests share one load; a
 * failed load is forgotten so the next request tries again.
 */
export interface LoadedModel {
  manifest: ModelManifest;
  session: InferenceSession;
  labels: string[] | undefined;
  loadMs: number;
}

const loads = new Map<string, Promise<LoadedModel>>();
const ready = new Map<string, LoadedModel>();

/** Models with a live session in this isolate, for health and memory reports. */
export function loadedModels(): Array<{ model: string; loadMs: number }> {
  return [...ready.values()].map((m) => ({ model: `${m.manifest.id}@${m.manifest.version}`, loadMs: Math.round(m.loadMs) }));
}

export function loadModel(files: Fetcher, manifest: ModelManifest): Promise<LoadedModel> {
  const key = `${manifest.id}@${manifest.version}`;
  let load = loads.get(key);
  if (!load) {
    load = createModel(files, manifest);
    loads.set(key, load);
    load.then((model) => ready.set(key, model)).catch(() => loads.delete(key));
  }
  return load;
}

async function readVerified(files: Fetcher, manifest: ModelManifest, entry: { path: string; bytes: number; sha256: string }): Promise<Uint8Array> {
  const response = await files.fetch(`https://model-files/${manifest.id}/${entry.path}`);
  if (response.status === 404) {
    throw new ApiError(503, 'model_not_installed', `Model ${manifest.id}@${manifest.version} is not installed: ${entry.path} is missing.`, {
      model: manifest.id,
    });
  }
  if (!response.ok) throw new ApiError(503, 'model_failed', `Model ${manifest.id} could not be read (${response.status}).`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const digest = bytes.byteLength === entry.bytes ? await sha256Hex(bytes) : 'size-mismatch';
  if (digest !== entry.sha256) {
    // Never run weights that are not the ones the manifest names.
    throw new ApiError(503, 'model_failed', `Model ${manifest.id}@${manifest.version} refused to load: ${entry.path} does not match its manifest (sha256).`, {
      model: manifest.id,
    });
  }
  return bytes;
}

async function createModel(files: Fetcher, manifest: ModelManifest): Promise<LoadedModel> {
  const start = performance.now();
  const labelsEntry = manifest.files.labels;
  const [weights, labelBytes] = await Promise.all([
    readVerified(files, manifest, manifest.files.model),
    labelsEntry ? readVerified(files, manifest, labelsEntry) : undefined,
  ]);
  const ort = await onnxRuntime();
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(weights, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  } catch (error) {
    throw new ApiError(503, 'model_failed', `Model ${manifest.id} could not start: ${String(error).slice(0, 200)}`);
  }
  const labels = labelBytes
    ? new TextDecoder().decode(labelBytes).split('\n').map((line) => line.trim()).filter((_, i, all) => i < all.length - 1 || all[i] !== '')
    : Array.isArray(manifest.labels)
      ? manifest.labels
      : undefined;
  return { manifest, session, labels, loadMs: performance.now() - start };
}
