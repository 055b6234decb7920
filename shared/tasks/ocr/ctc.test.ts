import { describe, expect, it } from 'vitest';
import { labelLines } from '../../models/label-lines.ts';
import { ctcClasses, ctcGreedyDecode } from './ctc.ts';

/** [1, steps, classes] probabilities where step t puts `p` on class best[t] and the rest evenly elsewhere. */
function oneHot(best: number[], classes: number, p = 0.9): Float32Array {
  const out = new Float32Array(best.length * classes).fill((1 - p) / (classes - 1));
  best.forEach((c, t) => (out[t * classes + c] = p));
  return out;
}

describe('CTC greedy decoding', () => {
  // PaddleOCR's layout: blank, the dictionary, then the appended space.
  const classes = ctcClasses(['a', 'b', 'l', 'o'], 0, [' ']);

  it('lays classes out as PaddleOCR does', () => {
    expect(classes.labels).toEqual(['', 'a', 'b', 'l', 'o', ' ']);
    expect(classes.blank).toBe(0);
  });

  it('merges repeats and drops blanks', () => {
    // b b _ a a l _ l o: runs merge, and the blank keeps the two l's apart.
    const best = [2, 2, 0, 1, 1, 3, 0, 3, 4];
    expect(ctcGreedyDecode(oneHot(best, 6), [1, best.length, 6], 0, classes).text).toBe('ballo');
  });

  it('keeps a repeated letter only when a blank separates the two', () => {
    expect(ctcGreedyDecode(oneHot([3, 3, 3], 6), [1, 3, 6], 0, classes).text).toBe('l');
    expect(ctcGreedyDecode(oneHot([3, 0, 3], 6), [1, 3, 6], 0, classes).text).toBe('ll');
  });

  it('emits the appended space class', () => {
    expect(ctcGreedyDecode(oneHot([1, 5, 2], 6), [1, 3, 6], 0, classes).text).toBe('a b');
  });

  it('scores a line by the mean probability of the characters kept', () => {
    const probs = oneHot([1, 1, 0, 2], 6, 0.9);
    // The second step of the "a" run is merged away; its probability does not count twice.
    probs[1 * 6 + 1] = 0.5;
    probs[3 * 6 + 2] = 0.7;
    const decoded = ctcGreedyDecode(probs, [1, 4, 6], 0, classes);
    expect(decoded.text).toBe('ab');
    expect(decoded.score).toBeCloseTo((0.9 + 0.7) / 2);
  });

  it('scores an all-blank line 0', () => {
    expect(ctcGreedyDecode(oneHot([0, 0], 6), [1, 2, 6], 0, classes)).toEqual({ text: '', score: 0 });
  });

  it('decodes each item of a batch from its own slice', () => {
    const batch = new Float32Array([...oneHot([1, 0], 6), ...oneHot([4, 2], 6)]);
    expect(ctcGreedyDecode(batch, [2, 2, 6], 0, classes).text).toBe('a');
    expect(ctcGreedyDecode(batch, [2, 2, 6], 1, classes).text).toBe('ob');
  });

  it('refuses a label list that does not match the model', () => {
    expect(() => ctcGreedyDecode(oneHot([1], 7), [1, 1, 7], 0, classes)).toThrow(/7 classes/);
  });
});

describe('labelLines (the dictionary as the model store reads it)', () => {
  it('keeps entries untrimmed (PaddleOCR has U+3000 as a character) and drops the final newline', () => {
    expect(labelLines('a\n\u3000\nb\n')).toEqual(['a', '\u3000', 'b']);
    expect(labelLines('a\r\nb')).toEqual(['a', 'b']);
  });
});
