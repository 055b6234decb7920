import { z } from 'zod';

/**
 * What the proxy and its queue consumer exchange and store. Queue messages and
 * KV values are validated when read (they cross a process boundary and may
 * have been written by an older version); everything else trusts these types.
 */

/** Where an image sits, as far as the WAI alt decision tree cares. */
export const ImageContext = z.object({
  /** `link` (an `<a href>`), `button`, or `none`. */
  kind: z.enum(['none', 'link', 'button']),
  /** The link's resolved href. */
  href: z.string().max(2048).optional(),
  /** aria-label, else title, of the link or button. */
  label: z.string().max(500).optional(),
  /** The image's own title attribute. */
  title: z.string().max(500).optional(),
  /** The link or button has content besides this image (text, or another image with alt). */
  otherContent: z.boolean().default(false),
});
export type ImageContext = z.infer<typeof ImageContext>;

/** Why an image is decorative, decided from the markup alone (no model). */
export const DecorativeReason = z.enum(['aria-hidden', 'presentation', 'tiny', 'spacer']);
export type DecorativeReason = z.infer<typeof DecorativeReason>;

export const Occurrence = z.object({
  /** The key of this image in its context on the page (see slotKey). */
  slot: z.string().max(4096),
  /** Absolute URL of the image as the page names it (public host). */
  src: z.string().max(2048),
  context: ImageContext,
  decorative: DecorativeReason.optional(),
});
export type Occurrence = z.infer<typeof Occurrence>;

/** One queue message: the images one view of a page found without alt text. */
export const AltTextJob = z.object({
  /** Path and query of the page on the site (the page record's key). */
  page: z.string().max(4096),
  /** The origin the browser saw (the proxy's public origin): image URLs on it are fetched from ORIGIN. */
  publicOrigin: z.string().max(512),
  /** From `<html lang>`, when it is a valid language tag. */
  lang: z.string().max(35).optional(),
  images: z.array(Occurrence).max(200),
});
export type AltTextJob = z.infer<typeof AltTextJob>;

/** How an entry's alt was decided. */
export const AltReason = z.enum(['decorative', 'redundant', 'label', 'text', 'destination', 'caption', 'failed']);
export type AltReason = z.infer<typeof AltReason>;

export const PageEntry = z.object({
  src: z.string(),
  /** null: nothing could be generated (the image is left as it is); `""`: decorative or redundant. */
  alt: z.string().nullable(),
  reason: AltReason,
  context: ImageContext.shape.kind,
  /** `<backend>:<model>`, `edge`, `ocr`, `markup`. */
  source: z.string(),
  confidence: z.number().min(0).max(1).optional(),
  /** For `failed`: why (shown in the report). */
  detail: z.string().optional(),
});
export type PageEntry = z.infer<typeof PageEntry>;

/** Every image on one page that has generated alt: the one KV read a page view makes. */
export const PageRecord = z.object({
  page: z.string(),
  lang: z.string().optional(),
  updated: z.string(),
  images: z.record(z.string(), PageEntry),
});
export type PageRecord = z.infer<typeof PageRecord>;

/** What the models said about one image (by content hash and language). */
export const ImageAnalysis = z.object({
  sha256: z.string(),
  /** The short alt caption from POST /v1/caption?style=alt. */
  caption: z.string(),
  source: z.string(),
  confidence: z.number().min(0).max(1),
  /** The OCR text when the image is an image of text (the words are what it shows). */
  text: z.string().optional(),
});
export type ImageAnalysis = z.infer<typeof ImageAnalysis>;

/** The key of an image in its context: the same picture alone and inside a link gets different alt. */
export function slotKey(src: string, context: Pick<ImageContext, 'kind' | 'href'>): string {
  return context.kind === 'none' ? src : `${src} ${context.kind}:${context.href ?? ''}`;
}

/** A BCP 47-looking tag, the shape /v1/caption accepts; anything else is not passed on. */
export function languageTag(raw: string | null | undefined): string | undefined {
  const tag = raw?.trim();
  return tag && /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/.test(tag) && tag.length <= 35 ? tag : undefined;
}
