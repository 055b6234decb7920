import { round, type LabelScore } from '../rank-labels.ts';
import { sigmoid } from '../zero-shot.ts';

/**
 * Open-vocabulary scoring, pure math: one matrix-vector product of the tag
 * embeddings with the image embedding (both L2-normalised, so each row's dot
 * product is a cosine), then a calibration that makes a score mean the same
 * on every image: sigmoid(scale * (cosine - bias)). Unlike a softmax over the
 * vocabulary, a tag's score does not depend on which other tags exist or how
 * well they match, so a threshold is a fixed cosine and "nothing matches" is
 * an answer.
 */
export interface Calibration {
  scale: number;
  /** The cosine at which a tag scores 0.5. */
  bias: number;
}

/** Row-major [rows, dims] times [dims]: every row's dot product with the vector. */
export function cosines(matrix: Float32Array, dims: number, vector: Float32Array): Float32Array {
  if (vector.length !== dims) throw new Error(`vector has ${vector.length} values, the tag matrix ${dims} columns`);
  if (matrix.length % dims !== 0) throw new Error(`tag matrix of ${matrix.length} values is not a multiple of ${dims}`);
  const rows = matrix.length / dims;
  const out = new Float32Array(rows);
  for (let r = 0, offset = 0; r < rows; r++, offset += dims) {
    let sum = 0;
    for (let k = 0; k < dims; k++) sum += matrix[offset + k]! * vector[k]!;
    out[r] = sum;
  }
  return out;
}

export function calibrated(cosine: number, calibration: Calibration): number {
  return sigmoid(calibration.scale * (cosine - calibration.bias));
}

export interface PickOptions {
  topK: number;
  /** Tags scoring under this are left out; the answer may be empty. */
  minScore: number;
}

/** The best tags at or over minScore, best first (ties in vocabulary order), at most topK. */
export function pickTags(names: readonly string[], rowCosines: Float32Array, calibration: Calibration, options: PickOptions): LabelScore[] {
  if (names.length !== rowCosines.length) throw new Error(`${names.length} tags but ${rowCosines.length} cosines`);
  // The threshold as a cosine: rows under it are skipped without computing a sigmoid or sorting them.
  const picked: Array<{ i: number; score: number }> = [];
  for (let i = 0; i < rowCosines.length; i++) {
    const score = calibrated(rowCosines[i]!, calibration);
    if (score >= options.minScore) picked.push({ i, score });
  }
  picked.sort((a, b) => b.score - a.score || a.i - b.i);
  return picked.slice(0, options.topK).map(({ i, score }) => ({ label: names[i]!, score: round(score) }));
}
