import { sha256Hex } from '../hash/sha256.ts';

/**
 * KV keys of the alt-text proxy. URLs are hashed: keys are at most 512 bytes
 * and a page or image URL may be longer. The version prefix lets a format
 * change start afresh instead of misreading old values.
 *
 * - `page:` page path + query -> PageRecord (what the rewrite reads, once per view)
 * - `img:`  image URL -> content hash (the consumer's "fetched already?")
 * - `alt:`  content hash + language -> ImageAnalysis (the consumer's "captioned already?")
 * - `pending:` page -> marker while a job for it is queued (one job a minute per page)
 */
const hashOf = async (text: string) => (await sha256Hex(text)).slice(0, 40);

export const pageKey = async (page: string) => `page:v1:${await hashOf(page)}`;
export const pendingKey = async (page: string) => `pending:v1:${await hashOf(page)}`;
export const imageUrlKey = async (url: string) => `img:v1:${await hashOf(url)}`;
export const analysisKey = (sha256: string, lang: string | undefined) => `alt:v1:${sha256}:${lang ?? '-'}`;

/** The page part of a URL that names a page record: path and query, never the host or fragment. */
export function pagePath(url: URL): string {
  return `${url.pathname}${url.search}`;
}
