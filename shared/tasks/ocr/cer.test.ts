import { describe, expect, it } from 'vitest';
import { cer, levenshtein, normalizeWhitespace } from './cer.ts';

describe('cer', () => {
  it('is 0 for the same text, however its whitespace is laid out', () => {
    expect(cer('Let us first\ndetermine  markers', ' Let us first determine\tmarkers\n')).toBe(0);
  });

  it('counts substitutions, insertions and deletions against the reference length', () => {
    // kitten -> sitting: 3 edits over 6 characters
    expect(cer('kitten', 'sitting')).toBeCloseTo(3 / 6);
    expect(cer('abc', '')).toBe(1);
    expect(cer('abc', 'abcd')).toBeCloseTo(1 / 3);
  });

  it('counts a missing space as one error', () => {
    expect(cer('Region-based segmentation', 'Region-basedsegmentation')).toBeCloseTo(1 / 25);
  });

  it('counts code points, so one Chinese character is one character', () => {
    expect(cer('今天天气很好', '今天天气很')).toBeCloseTo(1 / 6);
    expect(levenshtein(Array.from('𠀋a'), Array.from('a'))).toBe(1);
  });

  it('handles empty references', () => {
    expect(cer('', '')).toBe(0);
    expect(cer(' \n', 'ab')).toBe(2);
  });

  it('normalises every kind of whitespace run to one space', () => {
    expect(normalizeWhitespace('  a\n\n b\u3000c  ')).toBe('a b c');
  });
});
