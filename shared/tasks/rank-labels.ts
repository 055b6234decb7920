/** Score/label pairs, best first, leaving out indices a model marks as never returned (e.g. background). */
export interface LabelScore {
  label: string;
  score: number;
}

export function rankLabels(scores: Float32Array, labels: string[], topK: number, ignore: readonly number[] = []): LabelScore[] {
  const skip = new Set(ignore);
  const order: number[] = [];
  for (let i = 0; i < scores.length; i++) if (!skip.has(i)) order.push(i);
  order.sort((a, b) => scores[b]! - scores[a]!);
  return order.slice(0, topK).map((i) => ({ label: labels[i] ?? `class_${i}`, score: round(scores[i]!) }));
}

/** Six significant decimals: enough for thresholds, and stable across runs for caching and diffs. */
export function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
