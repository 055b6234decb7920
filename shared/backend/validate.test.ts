import { describe, expect, it } from 'vitest';
import { BackendFailure } from './failure.ts';
import { checkChatCompletion, checkDetections, checkImageToText, checkVqa } from './validate.ts';

const malformed = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BackendFailure);
    expect((error as BackendFailure).outcome).toBe('malformed');
    return;
  }
  throw new Error('expected a malformed-answer failure');
};

describe('backend answer validation', () => {
  it('accepts both image-to-text shapes and rejects others', () => {
    expect(checkImageToText({ generated_text: ' a dog ' })).toBe('a dog');
    expect(checkImageToText([{ generated_text: 'a dog' }])).toBe('a dog');
    malformed(() => checkImageToText([{ generated_text: 'a' }, { generated_text: 'b' }]));
    malformed(() => checkImageToText({ generated_text: 'x'.repeat(2001) }));
    malformed(() => checkImageToText({ text: 'a dog' }));
  });

  it('reads chat completions, with a score only from log-probabilities', () => {
    expect(checkChatCompletion({ choices: [{ message: { content: 'A dog.' } }] })).toEqual({ text: 'A dog.' });
    const scored = checkChatCompletion({ choices: [{ message: { content: [{ type: 'text', text: 'A dog.' }] }, logprobs: { content: [{ logprob: -0.1 }, { logprob: -0.3 }] } }] });
    expect(scored.text).toBe('A dog.');
    expect(scored.score).toBeCloseTo(Math.exp(-0.2), 6);
    malformed(() => checkChatCompletion({ choices: [] }));
    malformed(() => checkChatCompletion({ choices: [{ message: { content: '' } }] }));
  });

  it('sorts VQA answers and rejects scores out of [0, 1]', () => {
    expect(checkVqa([{ answer: 'no', score: 0.1 }, { answer: 'yes', score: 0.9 }]).map((a) => a.answer)).toEqual(['yes', 'no']);
    malformed(() => checkVqa([{ answer: 'yes', score: 1.5 }]));
    malformed(() => checkVqa([]));
  });

  it('keeps detection boxes inside the image (rounding tolerated, then clamped)', () => {
    expect(checkDetections([{ label: 'dog', score: 0.9, box: { xmin: -1.4, ymin: 0.6, xmax: 101.2, ymax: 50 } }], 100, 50)).toEqual([
      { label: 'dog', score: 0.9, box: { xmin: 0, ymin: 1, xmax: 100, ymax: 50 } },
    ]);
    malformed(() => checkDetections([{ label: 'dog', score: 0.9, box: { xmin: 0, ymin: 0, xmax: 200, ymax: 50 } }], 100, 50));
    malformed(() => checkDetections([{ label: 'dog', score: 0.9, box: { xmin: 50, ymin: 0, xmax: 10, ymax: 50 } }], 100, 50));
    malformed(() => checkDetections([{ label: '<b>', score: 0.9, box: { xmin: 0, ymin: 0, xmax: 1, ymax: 1 } }], 100, 50));
    malformed(() => checkDetections({ boxes: [] }, 100, 50));
  });
});
