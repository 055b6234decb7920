import type { Context } from 'hono';
import { DEFAULT_MODELS, PREFERRED_WHEN_INSTALLED } from '../../models/registry-manifests.ts';
import { ApiError } from '../errors/api-error.ts';
import type { AppEnv } from '../http/app-env.ts';
import { models } from './bundled.ts';
import type { FileEntry, ModelManifest } from './manifest.ts';

/**
 * Whether a model's weights are installed, known cheaply per isolate: static
 * assets are fixed for the life of a deployment, so one HEAD per model per
 * isolate is enough (remembered per binding object); a file in R2 can be
 * uploaded at any time, so that answer is re-checked after a minute. Presence
 * only: the sha256 is checked when the model loads, as for every model.
 */
const R2_RECHECK_MS = 60_000;

interface Known {
  present: Promise<boolean>;
  /** performance.now() after which to ask again; Infinity for static assets. */
  until: number;
}

const known = new WeakMap<object, Map<string, Known>>();

function present(c: Context<AppEnv>, manifest: ModelManifest, entry: FileEntry): Promise<boolean> {
  const r2 = entry.store === 'r2';
  const binding: object | undefined = r2 ? c.env.MODEL_BUCKET : c.env.MODEL_FILES;
  if (!binding) return Promise.resolve(false);
  const key = `${manifest.id}/${entry.path}`;
  let byKey = known.get(binding);
  if (!byKey) known.set(binding, (byKey = new Map()));
  const hit = byKey.get(key);
  if (hit && performance.now() < hit.until) return hit.present;
  const check = r2
    ? c.env.MODEL_BUCKET.head(key).then((object) => object !== null)
    : c.env.MODEL_FILES.fetch(`https://model-files/${key}`, { method: 'HEAD' }).then((response) => response.ok);
  const entryKnown: Known = { present: check, until: r2 ? performance.now() + R2_RECHECK_MS : Infinity };
  byKey.set(key, entryKnown);
  // A failed check is not remembered.
  check.catch(() => byKey.delete(key));
  return check;
}

/** The image model's weights (files.model) are in their store: the model can embed images. */
export function imageTowerInstalled(c: Context<AppEnv>, manifest: ModelManifest): Promise<boolean> {
  return present(c, manifest, manifest.files.model);
}

/**
 * The embedding model that answers when a request names none: the first installed
 * of EMBED_MODELS, or of the registry's preference (MobileCLIP-S0 once pulled)
 * followed by the bundled default (mobilenet-v2-features).
 */
export async function defaultEmbedModel(c: Context<AppEnv>): Promise<string> {
  const configured = c.get('config').embedModels;
  const order = configured.length > 0 ? configured : [...PREFERRED_WHEN_INSTALLED.embed, DEFAULT_MODELS.embed];
  const registry = models();
  for (const id of order) {
    const manifest = registry.all.find((m) => m.id === id && m.task === 'embed');
    if (!manifest) throw new ApiError(500, 'internal_error', `Server misconfigured: EMBED_MODELS names \`${id}\`, which is not an embedding model here.`);
    if (await imageTowerInstalled(c, manifest)) return id;
  }
  // None installed: the last choice answers, and says how to install it.
  return order[order.length - 1]!;
}

/** Task parameters with the default embedding model filled in when they name none. */
export async function withDefaultEmbedModel(c: Context<AppEnv>, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  return params.model === undefined ? { ...params, model: await defaultEmbedModel(c) } : params;
}
