import type { Context } from 'hono';
import { ApiError } from '../../errors/api-error.ts';
import { sha256Hex } from '../../hash/sha256.ts';
import type { AppEnv } from '../../http/app-env.ts';
import type { FileEntry, ModelManifest, TagsSpec } from '../../models/manifest.ts';
import type { LabelScore } from '../rank-labels.ts';
import { outliveRequest } from '../../runtime/shared-load.ts';
import { cosines, pickTags, type PickOptions } from './score.ts';

/**
 * A model's open-vocabulary tags, loaded once per isolate: the vocabulary
 * (tag names in row order, static assets) and the float32 matrix of their text
 * embeddings (the manifest's `tags.embeddings` file, built by
 * `npm run models:build`), each size- and sha256-checked like weights.
 */
export interface TagIndex {
  names: string[];
  matrix: Float32Array;
  dims: number;
  spec: TagsSpec;
  /** Tags for an L2-normalised image embedding of the same model. */
  tag(image: Float32Array, options: PickOptions): LabelScore[];
}

const BUILD_HINT = (id: string) => `npm run models:build -- --only ${id}`;

/** Which tag set answers: part of the classify cache key, so rebuilt tags never meet old cached answers. */
export function tagSetVersion(manifest: ModelManifest): string {
  const entry = manifest.tags ? manifest.files[manifest.tags.embeddings] : undefined;
  return `tags-${entry ? entry.sha256.slice(0, 12) : 'unbuilt'}`;
}

function notBuilt(manifest: ModelManifest, what: string): ApiError {
  const install = manifest.install ? `\`${manifest.install}\`, then ` : '';
  return new ApiError(503, 'model_not_installed', `The open-vocabulary tags of ${manifest.id} are not built: ${what}. Run ${install}\`${BUILD_HINT(manifest.id)}\`.`, {
    model: manifest.id,
    install: BUILD_HINT(manifest.id),
  });
}

/** A file at `key` (static assets, or R2 for `"store": "r2"`), checked against its entry. */
async function readChecked(c: Context<AppEnv>, manifest: ModelManifest, key: string, entry: Omit<FileEntry, 'path'>, what: string): Promise<Uint8Array> {
  let bytes: Uint8Array | undefined;
  if (entry.store === 'r2') {
    const object = c.env.MODEL_BUCKET ? await c.env.MODEL_BUCKET.get(key) : null;
    bytes = object ? new Uint8Array(await object.arrayBuffer()) : undefined;
  } else {
    const response = await c.env.MODEL_FILES.fetch(`https://model-files/${key}`);
    if (response.ok) bytes = new Uint8Array(await response.arrayBuffer());
    else if (response.status !== 404) throw new ApiError(503, 'model_failed', `${what} of ${manifest.id} could not be read (${response.status}).`);
  }
  if (!bytes) throw notBuilt(manifest, `${key} is missing`);
  const digest = bytes.byteLength === entry.bytes ? await sha256Hex(bytes) : 'size-mismatch';
  if (digest !== entry.sha256) {
    throw new ApiError(503, 'model_failed', `${what} of ${manifest.id} refused to load: ${key} does not match its manifest (sha256).`, { model: manifest.id });
  }
  return bytes;
}

/** tags.json -> tag names in row order (its shape was checked by the build; the sha256 pins it). */
function tagNames(bytes: Uint8Array, expected: number): string[] {
  const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { tags?: Array<{ tag?: unknown }> };
  const names = (parsed.tags ?? []).map((t) => t.tag);
  if (names.length !== expected || names.some((n) => typeof n !== 'string')) throw new Error(`vocabulary has ${names.length} tags, expected ${expected}`);
  return names as string[];
}

async function loadIndex(c: Context<AppEnv>, manifest: ModelManifest, spec: TagsSpec): Promise<TagIndex> {
  const entry = manifest.files[spec.embeddings];
  if (!entry) throw notBuilt(manifest, `the manifest has no \`${spec.embeddings}\` file yet`);
  const dims = manifest.text?.dims ?? manifest.output.dims;
  if (!dims) throw new ApiError(500, 'model_failed', `Model ${manifest.id} declares no embedding dimension for its tags.`);
  const [vocabularyBytes, matrixBytes] = await Promise.all([
    readChecked(c, manifest, spec.vocabulary.path, spec.vocabulary, 'The tag vocabulary'),
    readChecked(c, manifest, `${manifest.id}/${entry.path}`, entry, 'The tag embeddings'),
  ]);
  let names: string[];
  try {
    names = tagNames(vocabularyBytes, spec.vocabulary.count);
  } catch (error) {
    throw new ApiError(503, 'model_failed', `The tag vocabulary of ${manifest.id} is unusable: ${String(error).slice(0, 200)}`);
  }
  if (matrixBytes.byteLength !== names.length * dims * 4) {
    throw new ApiError(503, 'model_failed', `The tag embeddings of ${manifest.id} hold ${matrixBytes.byteLength} bytes, not ${names.length} x ${dims} float32.`);
  }
  // Little-endian float32 rows; copied so the view is aligned whatever the buffer's offset.
  const matrix = new Float32Array(matrixBytes.slice().buffer);
  return {
    names,
    matrix,
    dims,
    spec,
    tag: (image, options) => pickTags(names, cosines(matrix, dims, image), spec.calibration, options),
  };
}

const loads = new Map<string, Promise<TagIndex>>();

/** The model's tag index, loaded on first use in this isolate; concurrent first requests share one load, a failed one is forgotten. */
export function tagIndex(c: Context<AppEnv>, manifest: ModelManifest): Promise<TagIndex> {
  const spec = manifest.tags;
  if (!spec) throw new ApiError(400, 'invalid_request', `Model \`${manifest.id}\` has no open-vocabulary tags.`, { field: 'model' });
  const key = `${manifest.id}@${manifest.version}#${tagSetVersion(manifest)}`;
  let load = loads.get(key);
  if (!load) {
    load = c.get('timing').measure('load', () => loadIndex(c, manifest, spec), 'tags');
    loads.set(key, load);
    outliveRequest(load);
    load.catch(() => loads.delete(key));
  }
  return load;
}
