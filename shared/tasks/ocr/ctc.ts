/**
 * Greedy CTC decoding of a recogniser's per-step class probabilities, as
 * PaddleOCR's CTCLabelDecode: take the best class at each step, merge runs of
 * the same class, drop the blank. The score is the mean probability of the
 * characters kept (0 when none is).
 */
export interface CtcClasses {
  /** Class index of the CTC blank (0 for PaddleOCR). */
  blank: number;
  /** Text of every class, in output order; the blank's entry is never emitted. */
  labels: readonly string[];
}

export interface Decoded {
  text: string;
  score: number;
}

/**
 * PaddleOCR's class list: the blank first, then the character dictionary,
 * then what the model config appends (use_space_char adds " ").
 */
export function ctcClasses(dictionary: readonly string[], blank: number, append: readonly string[]): CtcClasses {
  const labels = [...dictionary, ...append];
  labels.splice(blank, 0, '');
  return { blank, labels };
}

/**
 * Decodes item `item` of a [batch, steps, classes] probability tensor.
 * Throws if the model's class count is not the class list's: a wrong
 * dictionary would otherwise silently produce the wrong characters.
 */
export function ctcGreedyDecode(probs: Float32Array, dims: readonly number[], item: number, classes: CtcClasses): Decoded {
  const steps = dims[1]!;
  const count = dims[2]!;
  if (count !== classes.labels.length) throw new Error(`recogniser has ${count} classes, the label list ${classes.labels.length}`);
  let text = '';
  let sum = 0;
  let kept = 0;
  let previous = -1;
  const base = item * steps * count;
  for (let t = 0; t < steps; t++) {
    const row = base + t * count;
    let best = 0;
    let bestP = probs[row]!;
    for (let c = 1; c < count; c++) {
      const p = probs[row + c]!;
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    if (best !== classes.blank && best !== previous) {
      text += classes.labels[best]!;
      sum += bestP;
      kept++;
    }
    previous = best;
  }
  return { text, score: kept > 0 ? sum / kept : 0 };
}
