import type { ModelManifest } from '../models/manifest.ts';
import type { ModelHandle } from '../models/model-store.ts';
import { rankLabels, round } from './rank-labels.ts';

/**
 * What a task makes of one image's row of a batched model output: the same
 * post-processing as the task's own `run` after its single-image inference
 * (functions/api/routes/{classify,embed,moderate}.ts), so a batch caches and
 * answers exactly what the single routes do (test/integration/batch.test.ts
 * compares them). Tasks without an entry run one image at a time through
 * their own `run`.
 */
export interface BatchRows {
  /** Whether this model answers the task from its output alone (an open-vocabulary classifier does not). */
  applies(manifest: ModelManifest): boolean;
  row(model: ModelHandle, values: Float32Array, params: Record<string, unknown>): object;
}

const always = () => true;

export const BATCH_ROWS: Readonly<Record<string, BatchRows>> = {
  classify: {
    applies: (manifest) => !manifest.tags,
    row(model, values, params) {
      const labels = rankLabels(values, model.labels ?? [], params.top_k as number, model.manifest.output.ignore);
      const minScore = params.min_score as number | undefined;
      return { labels: minScore === undefined ? labels : labels.filter((l) => l.score >= minScore) };
    },
  },
  embed: { applies: always, row: (_model, values) => ({ meta: {}, vector: values }) },
  moderate: {
    applies: always,
    row: (model, values) => ({ categories: Object.fromEntries((model.labels ?? []).map((label, i) => [label.toLowerCase(), round(values[i] ?? 0)])) }),
  },
};
