/**
 * Character error rate: Levenshtein distance between the reference and the
 * hypothesis, divided by the reference length, both taken after normalising
 * whitespace (every run of whitespace becomes one space, ends trimmed), so a
 * line split into two boxes or joined with a newline instead of a space is
 * not counted as an error. Counted in Unicode code points, not UTF-16 units,
 * so one Chinese character (or one astral symbol) is one character.
 */
export function normalizeWhitespace(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}

/** Edit distance (insertions, deletions, substitutions all cost 1) over code points. */
export function levenshtein(a: readonly string[], b: readonly string[]): number {
  // Two rows of the DP table are enough: row i only reads row i - 1.
  let previous = new Uint32Array(b.length + 1);
  let current = new Uint32Array(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    const ca = a[i - 1];
    for (let j = 1; j <= b.length; j++) {
      const substitute = previous[j - 1]! + (ca === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitute);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length]!;
}

/** CER of `hypothesis` against `reference`; 0 for two empty texts, 1 per character when the reference is empty. */
export function cer(reference: string, hypothesis: string): number {
  const ref = Array.from(normalizeWhitespace(reference));
  const hyp = Array.from(normalizeWhitespace(hypothesis));
  if (ref.length === 0) return hyp.length;
  return levenshtein(ref, hyp) / ref.length;
}
