import { capitalize } from './english.ts';

/**
 * Text rules for captions and alt text, whoever wrote the words (a GPU
 * captioner, a chat model or the edge composer). Alt text follows the W3C WAI
 * advice: one short sentence (125 characters or fewer), never starting with
 * "image of" / "picture of" (a screen reader already says it is an image).
 */
export const ALT_MAX_CHARS = 125;
export const CAPTION_MAX_CHARS = 300;
export const DETAILED_MAX_CHARS = 1200;

/** "An image of", "a close-up photo of", "this picture shows"... at the start of a caption. */
const REDUNDANT_OPENING =
  /^(?:(?:this|the|an?)\s+)?(?:(?:close-?up|black[- ]and[- ]white|blurry|color(?:ed)?|colou?r|digital|aerial)\s+)?(?:image|picture|photo(?:graph)?|illustration|screenshot|snapshot|pic)\s+(?:of|shows|showing|depicts|depicting|with)\s+/i;
const THERE_IS = /^there (?:is|are)\s+/i;
/** BLIP's well-known artefact token ("arafed", "araffe") that stands for nothing. */
const BLIP_ARTEFACT = /\b(?:ara+f+e*d?|araffe)\s+/gi;

/** Whitespace collapsed, wrapping quotes and model artefacts removed, redundant openings dropped. */
export function cleanCaption(text: string): string {
  let out = text.replace(/\s+/g, ' ').trim();
  out = out.replace(/^["'“”‘’]+|["'“”‘’]+$/g, '').trim();
  out = out.replace(BLIP_ARTEFACT, '');
  for (let i = 0; i < 2; i++) out = out.replace(REDUNDANT_OPENING, '').replace(THERE_IS, '');
  return out.trim();
}

/** Ends the text with a full stop unless it already ends a sentence. */
export function asSentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  return /[.!?…"”)]$/.test(trimmed) ? capitalize(trimmed) : `${capitalize(trimmed)}.`;
}

/** At most `max` characters, cut at a word boundary with an ellipsis when it had to be cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = text.slice(0, max - 1);
  const cut = room.lastIndexOf(' ');
  return `${(cut > max / 2 ? room.slice(0, cut) : room).replace(/[\s,;:.-]+$/, '')}…`;
}

/** The first sentence of a text (captioners sometimes answer with several). */
export function firstSentence(text: string): string {
  const match = /^(.+?[.!?])(?:\s|$)/.exec(text);
  return match ? match[1]! : text;
}

/** One sentence, no "image of", 125 characters or fewer. */
export function toAltText(text: string): string {
  return clip(asSentence(firstSentence(cleanCaption(text))), ALT_MAX_CHARS);
}

/** A one-sentence caption: the same cleaning, a looser length limit. */
export function toCaption(text: string): string {
  return clip(asSentence(firstSentence(cleanCaption(text))), CAPTION_MAX_CHARS);
}

/** Several sentences allowed. */
export function toDetailed(text: string): string {
  return clip(asSentence(cleanCaption(text)), DETAILED_MAX_CHARS);
}
