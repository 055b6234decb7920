import type { OutputSpec } from '../models/manifest.ts';

/** A model's raw output as the manifest's output kind says to read it. */
export function decodeOutput(raw: Float32Array, kind: OutputSpec['kind']): Float32Array {
  if (kind === 'probabilities' || kind === 'detections') return raw;
  if (kind === 'logits') return softmax(raw);
  return l2Normalize(raw);
}

export function softmax(logits: Float32Array): Float32Array {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  const out = new Float32Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i]! - max);
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

export function l2Normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const v of vector) sum += v * v;
  const norm = Math.sqrt(sum) || 1;
  return vector.map((v) => v / norm);
}
