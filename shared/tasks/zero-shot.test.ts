import { describe, expect, it } from 'vitest';
import { dot, fillTemplate, sigmoid, softmaxOf, zeroShotScores } from './zero-shot.ts';

const unit = (...v: number[]) => {
  const n = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / n);
};

describe('zero-shot math', () => {
  it('fills every {} of the template', () => {
    expect(fillTemplate('a photo of {}.', 'a cat')).toBe('a photo of a cat.');
    expect(fillTemplate('{} or {}', 'x')).toBe('x or x');
  });

  it('softmax is stable at CLIP logits (100 x cosine) and sums to 1', () => {
    const p = softmaxOf([100, 99, 30]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p[0]! / p[1]!).toBeCloseTo(Math.E, 10);
    expect(softmaxOf([1000, 1000])).toEqual([0.5, 0.5]);
  });

  it('sigmoid never overflows', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(2) + sigmoid(-2)).toBeCloseTo(1, 15);
  });

  it('ranks by softmax(logitScale * cosine), best first', () => {
    const image = unit(1, 0, 0);
    const texts = [unit(0, 1, 0), unit(1, 0.1, 0), unit(1, 1, 0)];
    const scores = zeroShotScores(image, ['b', 'a', 'c'], texts, { logitScale: 100, multiLabel: false, bias: 0 });
    expect(scores.map((s) => s.label)).toEqual(['a', 'c', 'b']);
    const cos = texts.map((t) => dot(image, t));
    const expected = softmaxOf(cos.map((c) => 100 * c));
    expect(scores[0]!.score).toBeCloseTo(expected[1]!, 12);
    expect(scores.reduce((s, l) => s + l.score, 0)).toBeCloseTo(1, 12);
  });

  it('multi-label: sigmoid(logitScale * (cosine - bias)) per label, independent of the others', () => {
    const image = unit(1, 0, 0);
    const texts = [unit(1, 0, 0), unit(0.3, 1, 0)];
    const scores = zeroShotScores(image, ['match', 'other'], texts, { logitScale: 100, multiLabel: true, bias: 0.25 });
    expect(scores[0]).toEqual({ label: 'match', score: sigmoid(100 * (dot(image, texts[0]!) - 0.25)) });
    expect(scores[1]!.label).toBe('other');
    expect(scores[1]!.score).toBeCloseTo(sigmoid(100 * (dot(image, texts[1]!) - 0.25)), 12);
    // A label at exactly the bias scores 0.5; adding labels never changes another's score.
    const alone = zeroShotScores(image, ['match'], [texts[0]!], { logitScale: 100, multiLabel: true, bias: 0.25 });
    expect(alone[0]!.score).toBe(scores[0]!.score);
  });

  it('keeps the given order for ties, and refuses mismatched inputs', () => {
    const image = unit(1, 0);
    const same = unit(0, 1);
    expect(zeroShotScores(image, ['x', 'y'], [same, same], { logitScale: 100, multiLabel: false, bias: 0 }).map((s) => s.label)).toEqual(['x', 'y']);
    expect(() => zeroShotScores(image, ['x'], [], { logitScale: 100, multiLabel: false, bias: 0 })).toThrow();
    expect(() => dot(unit(1, 0), unit(1, 0, 0))).toThrow();
  });
});
