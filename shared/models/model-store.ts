import type { InferenceSession, Tensor } from 'onnxruntime-web/wasm';
import { externalizeWeights } from './external-weights.ts';
import { labelLines } from './label-lines.ts';
import { ApiError } from '../errors/api-error.ts';
import { sha256Hex } from '../hash/sha256.ts';
import { outliveRequest } from '../runtime/shared-load.ts';
import { onnxRuntime } from '../inference/ort-wasm.ts';
import type { FileEntry, ModelManifest } from './manifest.ts';

/**
 * Loads a model once per isolate, on first use: fetches its files from the
 * Workers static-assets binding (weights stay out of the script bundle and
 * its size limit) or, for files marked `"store": "r2"` (over the 25 MiB
 * static-asset limit, e.g. MobileCLIP's text encoder), from the R2 bucket
 * MODEL_BUCKET at `<id>/<path>`; checks each file's size and SHA-256 against
 * the manifest, and creates the ORT session. Concurrent first requests share
 * one load; a failed load is forgotten so the next request tries again.
 */
export interface LoadedModel extends ModelHandle {
  session: InferenceSession;
}

/**
 * What task code needs of a session. An ORT session in this isolate is one;
 * so is a session in another Worker (shared/models/remote-model.ts).
 */
export interface ModelSession {
  readonly inputMetadata: InferenceSession['inputMetadata'];
  run(feeds: Record<string, Tensor>, fetches: readonly string[]): Promise<Readonly<Record<string, Tensor>>>;
}

/** A model ready to run, wherever its session lives. */
export interface ModelHandle {
  manifest: ModelManifest;
  session: ModelSession;
  labels: string[] | undefined;
  loadMs: number;
}

export interface LoadOptions {
  /** The files entry holding the ONNX graph: "model" (default), or e.g. "text" for a CLIP text tower. */
  file?: string;
  /** Where files marked `"store": "r2"` are read (the MODEL_BUCKET binding; absent = not installed). */
  bucket?: R2Bucket | undefined;
}

const loads = new Map<string, Promise<LoadedModel>>();
const ready = new Map<string, LoadedModel>();

/** Models with a live session in this isolate, for health and memory reports ("id@version", "id@version#text"). */
export function loadedModels(): Array<{ model: string; loadMs: number }> {
  return [...ready.entries()].map(([key, m]) => ({ model: key, loadMs: Math.round(m.loadMs) }));
}

export function loadModel(files: Fetcher, manifest: ModelManifest, options: LoadOptions = {}): Promise<LoadedModel> {
  const file = options.file ?? 'model';
  const key = file === 'model' ? `${manifest.id}@${manifest.version}` : `${manifest.id}@${manifest.version}#${file}`;
  let load = loads.get(key);
  if (!load) {
    load = createModel(files, options.bucket, manifest, file);
    loads.set(key, load);
    load.then((model) => ready.set(key, model)).catch(() => loads.delete(key));
    outliveRequest(load);
  }
  return load;
}

function notInstalled(manifest: ModelManifest, what: string): ApiError {
  // Say how to install it: the weights of pulled models are not in the repository.
  const how = manifest.install ? ` Install it with \`${manifest.install}\`.` : '';
  return new ApiError(503, 'model_not_installed', `Model ${manifest.id}@${manifest.version} is not installed: ${what}.${how}`, {
    model: manifest.id,
    ...(manifest.install ? { install: manifest.install } : {}),
  });
}

/** The file's bytes from its store, or undefined when it is not there. */
async function readStored(files: Fetcher, bucket: R2Bucket | undefined, manifest: ModelManifest, entry: FileEntry): Promise<Uint8Array | undefined> {
  if (entry.store === 'r2') {
    if (!bucket) throw notInstalled(manifest, `${entry.path} is stored in R2 and this Worker has no MODEL_BUCKET binding`);
    let object: R2ObjectBody | null;
    try {
      object = await bucket.get(`${manifest.id}/${entry.path}`);
    } catch (error) {
      throw new ApiError(503, 'model_failed', `Model ${manifest.id} could not be read from R2: ${String(error).slice(0, 200)}`);
    }
    return object ? new Uint8Array(await object.arrayBuffer()) : undefined;
  }
  const response = await files.fetch(`https://model-files/${manifest.id}/${entry.path}`);
  if (response.status === 404) return undefined;
  if (!response.ok) throw new ApiError(503, 'model_failed', `Model ${manifest.id} could not be read (${response.status}).`);
  return new Uint8Array(await response.arrayBuffer());
}

async function readVerified(files: Fetcher, bucket: R2Bucket | undefined, manifest: ModelManifest, entry: FileEntry): Promise<Uint8Array> {
  const bytes = await readStored(files, bucket, manifest, entry);
  if (!bytes) throw notInstalled(manifest, `${entry.path} is missing${entry.store === 'r2' ? ' from the MODEL_BUCKET R2 bucket' : ''}`);
  const digest = bytes.byteLength === entry.bytes ? await sha256Hex(bytes) : 'size-mismatch';
  if (digest !== entry.sha256) {
    // Never run weights that are not the ones the manifest names.
    throw new ApiError(503, 'model_failed', `Model ${manifest.id}@${manifest.version} refused to load: ${entry.path} does not match its manifest (sha256).`, {
      model: manifest.id,
    });
  }
  return bytes;
}

async function createModel(files: Fetcher, bucket: R2Bucket | undefined, manifest: ModelManifest, file: string): Promise<LoadedModel> {
  const start = performance.now();
  const weightsEntry = manifest.files[file];
  if (!weightsEntry) throw new ApiError(500, 'model_failed', `Model ${manifest.id} has no \`${file}\` file in its manifest.`);
  const [weights, labels] = await Promise.all([readVerified(files, bucket, manifest, weightsEntry), modelLabels(files, bucket, manifest, file)]);
  const ort = await onnxRuntime();
  let session: InferenceSession;
  try {
    // Weights as external data, views into `weights`: ORT then never holds the file and its parsed copy at once (shared/models/external-weights.ts).
    const { graph, externalData } = externalizeWeights(weights);
    session = await ort.InferenceSession.create(graph, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', logSeverityLevel: 3, externalData });
  } catch (error) {
    throw new ApiError(503, 'model_failed', `Model ${manifest.id} could not start: ${String(error).slice(0, 200)}`);
  }
  return { manifest, session, labels, loadMs: performance.now() - start };
}

/**
 * The labels of a graph's output: the labels file (sha256-checked like the
 * weights) or the manifest's inline list. They belong to the image model's
 * output, not to a second graph such as a text tower.
 */
export async function modelLabels(files: Fetcher, bucket: R2Bucket | undefined, manifest: ModelManifest, file: string): Promise<string[] | undefined> {
  if (file !== 'model') return undefined;
  if (manifest.files.labels) return labelLines(new TextDecoder().decode(await readVerified(files, bucket, manifest, manifest.files.labels)));
  return Array.isArray(manifest.labels) ? manifest.labels : undefined;
}
