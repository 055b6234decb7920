import { describe, expect, it } from 'vitest';
import { toAltText, toCaption, toDetailed } from './alt-text.ts';

describe('alt text rules', () => {
  it('drops "image of" openings, BLIP artefacts and wrapping quotes', () => {
    expect(toAltText('an image of a cat on a sofa')).toBe('A cat on a sofa.');
    expect(toAltText('"A close-up photo of a red rose."')).toBe('A red rose.');
    expect(toAltText('arafed man riding a horse')).toBe('Man riding a horse.');
    expect(toAltText('there are two dogs in the snow')).toBe('Two dogs in the snow.');
    expect(toAltText('This picture shows a busy street')).toBe('A busy street.');
  });

  it('keeps one sentence of at most 125 characters, cut at a word', () => {
    const long = `A ${'very '.repeat(40)}long caption. And a second sentence.`;
    const alt = toAltText(long);
    expect(alt.length).toBeLessThanOrEqual(125);
    expect(alt.endsWith('…')).toBe(true);
    expect(alt).not.toContain('second');
    expect(toCaption('a dog. a cat.')).toBe('A dog.');
    expect(toDetailed('a dog. a cat.')).toBe('A dog. a cat.');
  });
});
