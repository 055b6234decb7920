/**
 * Zero-shot classification from CLIP-style embeddings: pure math, no I/O.
 *
 * Both towers' embeddings are L2-normalised, so cosine similarity is the dot
 * product. Single-label (the default) is CLIP's own zero-shot rule: a softmax
 * over logitScale * cosine across the candidate labels, so the scores sum to 1
 * and say which label fits best among those given. Multi-label scores each
 * label on its own: sigmoid(logitScale * (cosine - bias)), where bias is the
 * cosine at which a label scores 0.5 (a per-model manifest value, since CLIP
 * models were trained with a softmax and have no sigmoid bias of their own).
 */
export interface LabelScore {
  label: string;
  score: number;
}

export interface ZeroShotOptions {
  /** CLIP's temperature (100 for trained CLIP-family models). */
  logitScale: number;
  /** Independent sigmoid per label instead of a softmax across labels. */
  multiLabel: boolean;
  /** Multi-label only: the cosine at which a label scores 0.5. */
  bias: number;
}

/** "a photo of {}." + "cat" -> "a photo of cat."; every "{}" is replaced. */
export function fillTemplate(template: string, label: string): string {
  return template.split('{}').join(label);
}

/** Dot product; the cosine when both vectors are L2-normalised. */
export function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`embedding sizes differ: ${a.length} and ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** Numerically stable: exp of (x - max), so logits of 100 never overflow. */
export function softmaxOf(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

export function sigmoid(x: number): number {
  // Two forms so neither exp overflows for large |x|.
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * Scores each label's text embedding against the image embedding, best first
 * (ties keep the order the labels were given in).
 */
export function zeroShotScores(
  image: Float32Array,
  labels: readonly string[],
  texts: readonly Float32Array[],
  options: ZeroShotOptions,
): LabelScore[] {
  if (labels.length !== texts.length) throw new Error(`${labels.length} labels but ${texts.length} text embeddings`);
  const cosines = texts.map((text) => dot(image, text));
  const scores = options.multiLabel
    ? cosines.map((cos) => sigmoid(options.logitScale * (cos - options.bias)))
    : softmaxOf(cosines.map((cos) => options.logitScale * cos));
  return labels
    .map((label, i) => ({ label, score: scores[i]!, order: i }))
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .map(({ label, score }) => ({ label, score }));
}
