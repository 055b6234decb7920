import { ApiError } from '../errors/api-error.ts';
import { ModelManifest } from './manifest.ts';

/**
 * The models this deployment knows, from the manifests bundled in
 * models/registry-manifests.ts. Parsed lazily (first use in an isolate),
 * validated strictly, looked up by id or by task.
 */
export interface Registry {
  all: ModelManifest[];
  /** The model with this id; with `task`, it must also serve that task. */
  byId(id: string, task?: ModelManifest['task']): ModelManifest;
  defaultFor(task: ModelManifest['task']): ModelManifest;
  idsFor(task: ModelManifest['task']): string[];
}

/** A model serves its own task, and `classify` too when it carries open-vocabulary tags (data, not a model id). */
export function serves(manifest: ModelManifest, task: ModelManifest['task']): boolean {
  return manifest.task === task || (task === 'classify' && manifest.tags !== undefined);
}

export function buildRegistry(raw: readonly unknown[], defaults: Partial<Record<ModelManifest['task'], string>>): Registry {
  const all = raw.map((entry, i) => {
    const parsed = ModelManifest.safeParse(entry);
    if (!parsed.success) throw new Error(`manifest #${i} is invalid: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    return parsed.data;
  });
  const ids = new Map(all.map((m) => [m.id, m]));
  if (ids.size !== all.length) throw new Error('two manifests share an id');
  return {
    all,
    byId(id, task) {
      const manifest = ids.get(id);
      if (!manifest || (task && !serves(manifest, task))) {
        const choices = task ? ` Models for ${task}: ${this.idsFor(task).join(', ') || 'none'}.` : '';
        throw new ApiError(400, 'invalid_request', `Unknown model \`${id}\`${task ? ` for ${task}` : ''}.${choices}`, { field: 'model' });
      }
      return manifest;
    },
    defaultFor(task) {
      const id = defaults[task] ?? all.find((m) => m.task === task)?.id;
      if (!id) throw new ApiError(503, 'model_not_installed', `No model for ${task} is installed.`);
      return this.byId(id);
    },
    idsFor(task) {
      return all.filter((m) => serves(m, task)).map((m) => m.id);
    },
  };
}
