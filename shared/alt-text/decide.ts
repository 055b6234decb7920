import { clip } from '../caption/alt-text.ts';
import type { DecorativeReason, ImageAnalysis, Occurrence, PageEntry } from './model.ts';

/**
 * The W3C WAI alt decision tree (https://www.w3.org/WAI/tutorials/images/decision-tree/),
 * for images whose author wrote no alt at all (an author's alt, `alt=""`
 * included, is a decision and never reaches here):
 *
 * 1. Decorative from the markup (aria-hidden, role=presentation/none, a spacer
 *    file, 1-2 px in either dimension) -> `alt=""`.
 * 2. Inside a link or button that has other content (text, or another image
 *    with alt): the image adds nothing to what the control says -> `alt=""`.
 * 3. The only content of a link or button: what it does. The author's
 *    aria-label or title (of the control, else the image); else the words of
 *    an image of text; else where the link leads when its URL says so
 *    ("/pricing" -> "Pricing"); else the caption.
 * 4. An image of text -> the text.
 * 5. Otherwise the short alt caption.
 */

/** Longest alt written from an image's text; longer text is cut at a word with an ellipsis. */
export const TEXT_ALT_MAX_CHARS = 250;

/** Attribute values, lowercased names, as the rewriter saw them on the `<img>`. */
export interface ImgAttributes {
  src: string;
  width?: string | null;
  height?: string | null;
  role?: string | null;
  ariaHidden?: string | null;
}

const SPACER = /(?:^|[/_.-])(?:spacer|blank|pixel|transparent|clear|1x1|trans)\.(?:gif|png|webp)$/i;

/** Why the markup alone says the image is decorative, if it does. */
export function decorativeReason(img: ImgAttributes): DecorativeReason | undefined {
  if (img.ariaHidden?.trim().toLowerCase() === 'true') return 'aria-hidden';
  const roles = (img.role ?? '').toLowerCase().split(/\s+/);
  if (roles[0] === 'presentation' || roles[0] === 'none') return 'presentation';
  const tiny = (value: string | null | undefined) => {
    const match = /^\s*(\d+(?:\.\d+)?)(?:px)?\s*$/i.exec(value ?? '');
    return match !== null && Number(match[1]) <= 2;
  };
  if (tiny(img.width) || tiny(img.height)) return 'tiny';
  let path = img.src;
  try {
    path = new URL(img.src, 'https://x.invalid/').pathname;
  } catch {
    // Not a URL: test the raw value.
  }
  return SPACER.test(path) ? 'spacer' : undefined;
}

/** Whether the image needs a model at all: decorative and redundant images do not, nor labelled controls. */
export function needsAnalysis(occurrence: Occurrence): boolean {
  if (occurrence.decorative) return false;
  const { context } = occurrence;
  if (context.kind === 'none') return true;
  if (context.otherContent) return false;
  return !(context.label || context.title);
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

/** Where a link leads, when its URL says it in words: "/pricing" -> "Pricing", "/" -> "Home page", another site -> its host. */
export function destinationOf(href: string | undefined, pageOrigin: string): string | undefined {
  if (!href) return undefined;
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return undefined;
  }
  if (url.protocol === 'mailto:') return url.pathname ? `Email ${url.pathname}` : undefined;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.origin !== pageOrigin) return url.hostname.replace(/^www\./, '');
  const segments = url.pathname.split('/').filter(Boolean);
  if (segments.length === 0) return url.search || url.hash ? undefined : 'Home page';
  const last = decodeURIComponent(segments[segments.length - 1]!).replace(/\.(?:html?|php|aspx?)$/i, '');
  // Only words: an id or a hash says nothing to a listener.
  if (!/^[A-Za-z]+(?:[-_ ][A-Za-z]+){0,5}$/.test(last) || last === 'index') return undefined;
  const words = last.replace(/[-_]+/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export type Decision = Omit<PageEntry, 'src' | 'context'>;

/** The alt for one image in its context; `analysis` is required exactly when needsAnalysis says so. */
export function decideAlt(occurrence: Occurrence, analysis: ImageAnalysis | undefined, pageOrigin: string): Decision {
  if (occurrence.decorative) return { alt: '', reason: 'decorative', source: 'markup' };
  const { context } = occurrence;
  const text = analysis?.text ? clip(oneLine(analysis.text), TEXT_ALT_MAX_CHARS) : undefined;
  if (context.kind !== 'none') {
    if (context.otherContent) return { alt: '', reason: 'redundant', source: 'markup' };
    const label = context.label ?? context.title;
    if (label) return { alt: oneLine(label), reason: 'label', source: 'markup' };
    if (text) return { alt: text, reason: 'text', source: 'ocr' };
    const destination = context.kind === 'link' ? destinationOf(context.href, pageOrigin) : undefined;
    if (destination) return { alt: destination, reason: 'destination', source: 'markup' };
  } else if (text) {
    return { alt: text, reason: 'text', source: 'ocr' };
  }
  if (!analysis) throw new Error('decideAlt: this image needs its analysis');
  return { alt: analysis.caption, reason: 'caption', source: analysis.source, confidence: analysis.confidence };
}
