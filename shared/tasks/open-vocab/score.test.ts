import { describe, expect, it } from 'vitest';
import { calibrated, cosines, pickTags } from './score.ts';

const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

describe('open-vocabulary scoring', () => {
  it('computes every row cosine in one matrix-vector product', () => {
    const rows = [unit([1, 0, 0]), unit([1, 1, 0]), unit([0, 0, 1]), unit([-1, 0, 0])];
    const image = Float32Array.from(unit([1, 0, 0]));
    const result = cosines(Float32Array.from(rows.flat()), 3, image);
    expect(Array.from(result).map((x) => Number(x.toFixed(6)))).toEqual([1, Number(Math.SQRT1_2.toFixed(6)), 0, -1]);
    expect(() => cosines(new Float32Array(6), 4, new Float32Array(4))).toThrow(/multiple/);
    expect(() => cosines(new Float32Array(6), 3, new Float32Array(4))).toThrow(/columns/);
  });

  it('calibrates with sigmoid(scale * (cosine - bias)): 0.5 at the bias, monotone, bounded', () => {
    const calibration = { scale: 100, bias: 0.25 };
    expect(calibrated(0.25, calibration)).toBe(0.5);
    expect(calibrated(0.3, calibration)).toBeGreaterThan(calibrated(0.26, calibration));
    expect(calibrated(1, calibration)).toBeLessThanOrEqual(1);
    expect(calibrated(-1, calibration)).toBeGreaterThanOrEqual(0);
    expect(calibrated(0.3, calibration)).toBeCloseTo(1 / (1 + Math.exp(-5)), 12);
  });

  it('keeps tags at or over min_score, best first, at most top_k; the answer may be empty', () => {
    const names = ['cat', 'dog', 'car', 'tree'];
    const rowCosines = Float32Array.from([0.31, 0.26, 0.1, 0.31]);
    const calibration = { scale: 100, bias: 0.25 };
    const all = pickTags(names, rowCosines, calibration, { topK: 10, minScore: 0.5 });
    // Ties keep vocabulary order; car is under the threshold.
    expect(all.map((t) => t.label)).toEqual(['cat', 'tree', 'dog']);
    expect(all[0]!.score).toBeCloseTo(calibrated(Math.fround(0.31), calibration), 6);
    expect(pickTags(names, rowCosines, calibration, { topK: 1, minScore: 0.5 }).map((t) => t.label)).toEqual(['cat']);
    expect(pickTags(names, rowCosines, calibration, { topK: 5, minScore: 0.9999 })).toEqual([]);
    expect(pickTags(names, rowCosines, calibration, { topK: 5, minScore: 0 })).toHaveLength(4);
    expect(() => pickTags(names, new Float32Array(3), calibration, { topK: 5, minScore: 0 })).toThrow(/4 tags but 3/);
  });

  it('answers the same score for a tag whatever else is in the vocabulary (unlike a softmax)', () => {
    const calibration = { scale: 50, bias: 0.2 };
    const alone = pickTags(['cat'], Float32Array.from([0.28]), calibration, { topK: 5, minScore: 0 });
    const crowded = pickTags(['cat', 'kitten', 'tabby'], Float32Array.from([0.28, 0.29, 0.3]), calibration, { topK: 5, minScore: 0 });
    expect(crowded.find((t) => t.label === 'cat')!.score).toBe(alone[0]!.score);
  });
});
