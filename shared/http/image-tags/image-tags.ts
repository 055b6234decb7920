import type { Context, Env as HonoEnv } from 'hono';
import { createMiddleware } from 'hono/factory';
import { ApiError, problemResponse } from '../../errors/api-error.ts';
import { sha256Hex } from '../../hash/sha256.ts';
import { joinChunks } from '../../ingest/read-capped.ts';
import { MODERATION_HEADER, moderationHeader, TAGS_HEADER, tagsHeader, type ImageVerdict } from './headers.ts';
import { UntaggableImage } from './vision-analyzer.ts';

/**
 * Per-request image tagging as Hono middleware: an image response leaving the
 * routes it is mounted on gets `X-Image-Tags` (top tags with scores) and
 * `X-Image-Moderation` (verdict and scores), computed by the edge models and
 * cached by the image's content hash. A policy decides what a flagged image
 * becomes: `pass` (headers only), `placeholder` (a neutral SVG) or `block`
 * (451 problem+json). Another Worker uses it in a few lines:
 *
 *   app.use('/images/*', imageTags({
 *     analyze: (c) => visionAnalyzer(c.env.VISION),
 *     cache: (c) => ({ kv: c.env.KV, ttlSeconds: 86400 }),
 *     policy: () => 'placeholder',
 *   }));
 *
 * By default failing to tag never fails the image: it goes out untagged (and is logged).
 */
export type ImagePolicy = 'pass' | 'placeholder' | 'block';

export interface ImageTagsOptions<E extends HonoEnv> {
  /** The analysis for this request (bindings come from `c.env`). */
  analyze(c: Context<E>): (bytes: Uint8Array) => Promise<ImageVerdict>;
  /** Where verdicts are cached by content hash; `variant` separates analyses with other options (top_k, thresholds). */
  cache?(c: Context<E>): { kv: KVNamespace; ttlSeconds: number; variant?: string } | undefined;
  /** Default `pass`. */
  policy?(c: Context<E>): ImagePolicy;
  /**
   * With the `pass` policy, what a cache miss does: `wait` (default) holds the
   * image until its tags are known; `background` sends it at once, untagged,
   * and tags it after the response so its next request carries the headers.
   * `placeholder` and `block` always wait: they need the verdict.
   */
  onMiss?: 'wait' | 'background';
  /** Largest image read for tagging; larger ones pass through untagged (default 15 MiB). */
  maxBytes?: number;
  /**
   * When the analysis fails: `pass` (default) sends the image untagged; `throw`
   * lets the error reach the app's error handler (a route whose whole answer is the tags).
   */
  onError?: 'pass' | 'throw';
}

const TAGGABLE = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);
const DEFAULT_MAX_BYTES = 15 * 1024 * 1024;

/** What replaces a flagged image under the `placeholder` policy: neutral, any size, no text to translate. */
export const PLACEHOLDER_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 3" preserveAspectRatio="none"><rect width="4" height="3" fill="#d0d0d0"/></svg>';

export function imageTags<E extends HonoEnv>(options: ImageTagsOptions<E>) {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  return createMiddleware<E>(async (c, next) => {
    await next();
    const response = c.res;
    const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (response.status !== 200 || !TAGGABLE.has(type) || response.body === null || c.req.method !== 'GET') return;
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > maxBytes) return;

    const read = await readUpTo(response.body, maxBytes);
    if (!read.complete) {
      c.res = new Response(read.stream, response);
      return;
    }
    const bytes = read.bytes;
    const policy = options.policy?.(c) ?? 'pass';
    const cache = options.cache?.(c);
    const sha256 = await sha256Hex(bytes);
    const key = `imgtags:v1:${sha256}:${cache?.variant ?? '-'}`;
    const fresh = () => new Response(bytes, response);

    let verdict = cache ? await readVerdict(cache.kv, key) : undefined;
    if (!verdict) {
      const computing = options
        .analyze(c)(bytes)
        .then(async (computed) => {
          if (cache) await cache.kv.put(key, JSON.stringify(computed), { expirationTtl: cache.ttlSeconds }).catch(() => {});
          return computed;
        });
      if (policy === 'pass' && options.onMiss === 'background') {
        defer(c, computing.catch((error: unknown) => logFailure(error, sha256)));
        c.res = fresh();
        return;
      }
      try {
        verdict = await computing;
      } catch (error) {
        if (options.onError === 'throw') throw error;
        logFailure(error, sha256);
        c.res = fresh();
        return;
      }
    }

    const tagHeaders = { [TAGS_HEADER]: tagsHeader(verdict), [MODERATION_HEADER]: moderationHeader(verdict) };
    if (verdict.moderation.flagged && policy === 'block') {
      const blocked = problemResponse(
        new ApiError(451, 'content_blocked', `This image was withheld: the moderation model flagged it (${verdict.moderation.flagged_categories.join(', ')}).`),
        tagHeaders,
      );
      c.res = blocked;
      return;
    }
    if (verdict.moderation.flagged && policy === 'placeholder') {
      c.res = new Response(PLACEHOLDER_SVG, { status: 200, headers: { 'content-type': 'image/svg+xml', 'cache-control': 'no-store', ...tagHeaders } });
      return;
    }
    const tagged = fresh();
    for (const [name, value] of Object.entries(tagHeaders)) tagged.headers.set(name, value);
    c.res = tagged;
  });
}

async function readVerdict(kv: KVNamespace, key: string): Promise<ImageVerdict | undefined> {
  try {
    const stored = await kv.get<ImageVerdict>(key, 'json');
    return stored && Array.isArray(stored.tags) && stored.moderation ? stored : undefined;
  } catch {
    return undefined;
  }
}

function defer(c: Context, work: Promise<unknown>): void {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // No execution context: the work still runs.
  }
}

function logFailure(error: unknown, sha256: string): void {
  if (error instanceof UntaggableImage) return;
  console.warn(JSON.stringify({ event: 'image_tags_failed', sha256, error: String(error).slice(0, 200) }));
}

/** The whole body when it fits in `max` bytes; otherwise a stream that replays what was read and then the rest. */
async function readUpTo(
  body: ReadableStream<Uint8Array>,
  max: number,
): Promise<{ complete: true; bytes: Uint8Array } | { complete: false; stream: ReadableStream<Uint8Array> }> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { complete: true, bytes: joinChunks(chunks, total) };
    chunks.push(value);
    total += value.byteLength;
    if (total > max) break;
  }
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const buffered = chunks.shift();
      if (buffered) return controller.enqueue(buffered);
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return { complete: false, stream };
}
