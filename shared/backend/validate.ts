import { BackendFailure } from './failure.ts';
import type { BackendDetection, VqaAnswer } from './types.ts';

/**
 * Backend answers are input like any other: checked for shape, sizes, label
 * strings and box ranges before anything uses or caches them. A bad answer
 * is a BackendFailure('malformed') -> 502, never a crash, never cached.
 */
export const ANSWER_LIMITS = {
  /** Bytes of one answer body read from the backend at most. */
  bytes: 1024 * 1024,
  captionChars: 2000,
  answerChars: 200,
  labelChars: 64,
  maxDetections: 300,
  maxAnswers: 20,
  /** Pixels a box may stray outside the image (rounding in the backend's resize). */
  boxTolerance: 2,
} as const;

const malformed = (detail: string) => new BackendFailure('malformed', detail);
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isScore = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1;
// Letters, digits, spaces and the punctuation labels use ("N/A", "hot dog", "teddy-bear", "Welsh springer spaniel (dog)").
const LABEL = /^[\p{L}\p{N}][\p{L}\p{N} '’.,()/&+-]*$/u;
// Control characters other than newline and tab never belong in text meant for people.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw malformed(`the answer is not JSON (${JSON.stringify(text.slice(0, 60))}).`);
  }
}

export function checkText(value: unknown, what: string, maxChars: number): string {
  if (typeof value !== 'string') throw malformed(`${what} is not a string.`);
  const text = value.replace(CONTROL, '').trim();
  if (!text) throw malformed(`${what} is empty.`);
  if (text.length > maxChars) throw malformed(`${what} is ${text.length} characters (at most ${maxChars}).`);
  return text;
}

/** image-to-text: `{generated_text}` (the client's type) or `[{generated_text}]` (what transformers pipelines answer). */
export function checkImageToText(raw: unknown): string {
  const item = Array.isArray(raw) ? (raw.length === 1 ? raw[0] : undefined) : raw;
  if (!isRecord(item) || !('generated_text' in item)) throw malformed('expected {generated_text} or [{generated_text}].');
  return checkText(item.generated_text, 'generated_text', ANSWER_LIMITS.captionChars);
}

/** OpenAI-style chat completion: the first choice's text, and its mean token probability when log-probabilities came back. */
export function checkChatCompletion(raw: unknown, maxChars: number = ANSWER_LIMITS.captionChars): { text: string; score?: number } {
  if (!isRecord(raw) || !Array.isArray(raw.choices) || raw.choices.length === 0) throw malformed('expected {choices: [...]} with at least one choice.');
  const choice = raw.choices[0];
  if (!isRecord(choice) || !isRecord(choice.message)) throw malformed('choices[0].message is missing.');
  const content = choice.message.content;
  // Content is a string, or (some servers) a list of parts of which the text parts count.
  const joined = Array.isArray(content)
    ? content.map((part) => (isRecord(part) && part.type === 'text' && typeof part.text === 'string' ? part.text : '')).join('')
    : content;
  const text = checkText(joined, 'choices[0].message.content', maxChars);
  const tokens = isRecord(choice.logprobs) && Array.isArray(choice.logprobs.content) ? choice.logprobs.content : [];
  const logprobs = tokens.map((t) => (isRecord(t) && typeof t.logprob === 'number' && Number.isFinite(t.logprob) && t.logprob <= 0 ? t.logprob : NaN));
  if (logprobs.length && logprobs.every((x) => !Number.isNaN(x))) {
    return { text, score: Math.exp(logprobs.reduce((a, b) => a + b, 0) / logprobs.length) };
  }
  return { text };
}

/** visual-question-answering: `[{answer, score}]`, best first after sorting. */
export function checkVqa(raw: unknown): VqaAnswer[] {
  if (!Array.isArray(raw) || raw.length === 0) throw malformed('expected a non-empty array of {answer, score}.');
  if (raw.length > ANSWER_LIMITS.maxAnswers) throw malformed(`${raw.length} answers (at most ${ANSWER_LIMITS.maxAnswers}).`);
  return raw
    .map((item, i) => {
      if (!isRecord(item)) throw malformed(`answer ${i} is not an object.`);
      if (!isScore(item.score)) throw malformed(`answer ${i} has no score in [0, 1].`);
      return { answer: checkText(item.answer, `answer ${i}`, ANSWER_LIMITS.answerChars), score: item.score };
    })
    .sort((a, b) => b.score - a.score);
}

/**
 * object-detection: `[{label, score, box: {xmin, ymin, xmax, ymax}}]` in pixels
 * of the upright image the backend saw (transformers applies EXIF orientation
 * when it loads an image). Boxes outside the image by more than a rounding
 * error mean the answer is about another image or another convention: 502.
 */
export function checkDetections(raw: unknown, width: number, height: number): BackendDetection[] {
  if (!Array.isArray(raw)) throw malformed('expected an array of {label, score, box}.');
  if (raw.length > ANSWER_LIMITS.maxDetections) throw malformed(`${raw.length} detections (at most ${ANSWER_LIMITS.maxDetections}).`);
  const tol = ANSWER_LIMITS.boxTolerance;
  return raw.map((item, i) => {
    if (!isRecord(item)) throw malformed(`detection ${i} is not an object.`);
    const label = typeof item.label === 'string' ? item.label.trim() : '';
    if (!label || label.length > ANSWER_LIMITS.labelChars || !LABEL.test(label)) throw malformed(`detection ${i} has no usable label.`);
    if (!isScore(item.score)) throw malformed(`detection ${i} has no score in [0, 1].`);
    const box = item.box;
    if (!isRecord(box)) throw malformed(`detection ${i} has no box.`);
    const [xmin, ymin, xmax, ymax] = [box.xmin, box.ymin, box.xmax, box.ymax];
    if (![xmin, ymin, xmax, ymax].every((v) => typeof v === 'number' && Number.isFinite(v))) throw malformed(`detection ${i} has a box with a non-numeric side.`);
    const [x0, y0, x1, y1] = [xmin, ymin, xmax, ymax] as number[];
    if (x0! > x1! || y0! > y1!) throw malformed(`detection ${i} has an inverted box.`);
    if (x0! < -tol || y0! < -tol || x1! > width + tol || y1! > height + tol) {
      throw malformed(`detection ${i} has a box outside the ${width}x${height} image.`);
    }
    const clampX = (v: number) => Math.min(width, Math.max(0, Math.round(v)));
    const clampY = (v: number) => Math.min(height, Math.max(0, Math.round(v)));
    return { label, score: item.score, box: { xmin: clampX(x0!), ymin: clampY(y0!), xmax: clampX(x1!), ymax: clampY(y1!) } };
  });
}
