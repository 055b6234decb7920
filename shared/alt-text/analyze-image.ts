import { z } from 'zod';
import { ApiError } from '../errors/api-error.ts';
import { sha256Hex } from '../hash/sha256.ts';
import { fetchImageUrl } from '../ingest/url/fetch-image-url.ts';
import type { AltTextConfig } from './config.ts';
import { analysisKey, imageUrlKey } from './keys.ts';
import { ImageAnalysis } from './model.ts';

/**
 * What the models say about one image, fetched and computed at most once per
 * content: the image URL maps to its content hash (IMAGE_URL_TTL_SECONDS), the
 * hash and language to the analysis (ALT_TTL_SECONDS), so an image used on a
 * thousand pages, or under several URLs, is captioned once.
 *
 * The analysis is two calls to the API Worker through the VISION binding:
 * POST /v1/ocr (is it an image of text? then the words are its alt) and
 * POST /v1/caption?style=alt (the short caption). OCR goes first because the
 * API's edge caption reads text too and then finds OCR's answer in its cache.
 */
export interface AnalyzeDeps {
  kv: KVNamespace;
  vision: Fetcher;
  config: AltTextConfig;
  /** Secret VISION_API_KEY, for an API Worker with AUTH_MODE = "keys". */
  apiKey?: string;
}

/** An image whose analysis cannot succeed however often it is retried (not found, not an image, too large). */
export class PermanentFailure extends Error {}

const CaptionAnswer = z.object({ alt_text: z.string(), source: z.string(), confidence: z.number().min(0).max(1) });
const Box = z.object({ xmin: z.number(), ymin: z.number(), xmax: z.number(), ymax: z.number() });
const OcrAnswer = z.object({
  lines: z.array(z.object({ text: z.string(), score: z.number(), box: Box })),
  image: z.object({ sha256: z.string(), width: z.number(), height: z.number() }),
});

/** Thresholds of "the words are what the picture is": the edge caption's rule (shared/caption/compose.ts). */
const TEXT_LINE_SCORE = 0.6;
const TEXT_MIN_CHARS = 12;
const TEXT_COVERAGE = 0.1;
const TEXT_LONG_CHARS = 60;

export function imageOfText(ocr: z.infer<typeof OcrAnswer>): string | undefined {
  const lines = ocr.lines.filter((line) => line.score >= TEXT_LINE_SCORE && line.text.trim());
  const text = lines.map((line) => line.text.trim()).join(' ');
  if (text.length < TEXT_MIN_CHARS) return undefined;
  const area = lines.reduce((sum, { box }) => sum + Math.max(0, box.xmax - box.xmin) * Math.max(0, box.ymax - box.ymin), 0);
  const coverage = area / Math.max(1, ocr.image.width * ocr.image.height);
  return coverage >= TEXT_COVERAGE || text.length >= TEXT_LONG_CHARS ? text : undefined;
}

/** Where the consumer fetches an image: images on the site's public origin come from ORIGIN itself. */
export function fetchUrlOf(src: string, publicOrigin: string, config: AltTextConfig): URL {
  const url = new URL(src);
  return url.origin === publicOrigin ? new URL(`${url.pathname}${url.search}`, config.origin) : url;
}

export async function analyzeImage(src: string, publicOrigin: string, lang: string | undefined, deps: AnalyzeDeps): Promise<ImageAnalysis> {
  const { kv, config } = deps;
  const urlKey = await imageUrlKey(src);
  const known = await kv.get(urlKey, 'text');
  if (known) {
    const cached = await readAnalysis(kv, known, lang);
    if (cached) return cached;
  }
  const bytes = await fetchFromOrigin(fetchUrlOf(src, publicOrigin, config), config);
  const sha256 = await sha256Hex(bytes);
  const cached = await readAnalysis(kv, sha256, lang);
  const analysis = cached ?? (await callModels(bytes, sha256, lang, deps));
  const writes = [kv.put(urlKey, sha256, { expirationTtl: config.imageUrlTtlSeconds })];
  if (!cached) writes.push(kv.put(analysisKey(sha256, lang), JSON.stringify(analysis), { expirationTtl: config.altTtlSeconds }));
  await Promise.all(writes);
  return analysis;
}

async function readAnalysis(kv: KVNamespace, sha256: string, lang: string | undefined): Promise<ImageAnalysis | undefined> {
  const parsed = ImageAnalysis.safeParse(await kv.get(analysisKey(sha256, lang), 'json'));
  return parsed.success ? parsed.data : undefined;
}

async function fetchFromOrigin(url: URL, config: AltTextConfig): Promise<Uint8Array> {
  try {
    const fetched = await fetchImageUrl(url, {
      // ORIGIN is the operator's own site: plain http and loopback are allowed there, and only there.
      policy: { allowHttpOrigins: [config.origin.origin] },
      timeoutMs: config.fetchTimeoutMs,
      maxBytes: config.maxImageBytes,
      maxRedirects: 3,
      userAgent: 'edge-vision-alt-text',
    });
    return fetched.bytes;
  } catch (error) {
    // A timeout or network failure may pass; a refused URL, a 4xx or an oversized image will not.
    if (error instanceof ApiError && (error.code === 'fetch_timeout' || (error.code === 'fetch_failed' && !isClientStatus(error)))) throw error;
    throw new PermanentFailure(error instanceof Error ? error.message : String(error));
  }
}

const isClientStatus = (error: ApiError) => {
  const status = error.extensions.upstream_status;
  return typeof status === 'number' && status >= 400 && status < 500 && status !== 408 && status !== 429;
};

async function callModels(bytes: Uint8Array, sha256: string, lang: string | undefined, deps: AnalyzeDeps): Promise<ImageAnalysis> {
  const ocr = OcrAnswer.parse(await callVision(deps, '/v1/ocr', bytes));
  const text = imageOfText(ocr);
  const query = new URLSearchParams({ style: 'alt', ...(lang ? { lang } : {}) });
  const caption = CaptionAnswer.parse(await callVision(deps, `/v1/caption?${query}`, bytes));
  console.log(JSON.stringify({ event: 'alt_captioned', sha256, source: caption.source, text_image: text !== undefined }));
  return { sha256, caption: caption.alt_text, source: caption.source, confidence: caption.confidence, ...(text ? { text } : {}) };
}

/** How long one call to the API Worker may take (a cold start loads several models). */
const VISION_BUDGET_MS = 60_000;

/** One call to the API Worker; a 4xx about the image is permanent, anything else is retried by the queue. */
async function callVision(deps: AnalyzeDeps, path: string, bytes: Uint8Array): Promise<unknown> {
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (deps.apiKey) headers.authorization = `Bearer ${deps.apiKey}`;
  // A stuck call must not hold the consumer: past the budget the job is retried.
  const signal = AbortSignal.timeout(VISION_BUDGET_MS);
  const response = await deps.vision.fetch(new Request(`https://vision.internal${path}`, { method: 'POST', body: bytes, headers, signal }));
  const body = await response.text();
  if (response.ok) return JSON.parse(body);
  const detail = `${path.split('?')[0]} answered ${response.status}: ${problemDetail(body)}`;
  if ([400, 413, 415, 422].includes(response.status)) throw new PermanentFailure(detail);
  throw new Error(detail);
}

/** The `detail` of a problem+json answer, else the start of the body. */
function problemDetail(body: string): string {
  try {
    const { detail } = JSON.parse(body) as { detail?: unknown };
    if (typeof detail === 'string') return detail.slice(0, 200);
  } catch {
    // Not JSON.
  }
  return body.slice(0, 200);
}
