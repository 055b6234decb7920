import type { CaptionStyle } from './types.ts';

/**
 * What a vision chat model is asked. Alt text follows the W3C WAI advice (one
 * short sentence, no "image of", the text itself for an image of text); the
 * answers are still cleaned and length-checked afterwards (shared/caption).
 */
const STYLE_PROMPTS: Record<CaptionStyle, string> = {
  alt:
    'Write alt text for this image: one sentence of at most 125 characters that says what it shows. ' +
    'Do not begin with "image of", "picture of" or "photo of". If the image is mostly text, answer with that text.',
  caption: 'Write a one-sentence caption for this image that names its main subjects and setting.',
  detailed: 'Describe this image in three to five sentences: subjects, their number, actions, setting, and any readable text.',
};

export function captionPrompt(style: CaptionStyle, lang: string): string {
  return `${STYLE_PROMPTS[style]} Write in the language with BCP 47 tag "${lang}". Reply with the text only.`;
}

export function vqaPrompt(question: string): string {
  return `Answer the question about this image in a few words, without explanation.\nQuestion: ${question}`;
}
