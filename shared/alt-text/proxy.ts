import type { AltTextConfig } from './config.ts';
import { pagePath, pageKey, pendingKey } from './keys.ts';
import { PageRecord, type AltTextJob, type Occurrence } from './model.ts';
import { publicLocation } from './redirects.ts';
import { rewriteHtml } from './rewrite.ts';

/**
 * The proxy in front of the operator's origin. Requests go to ORIGIN with the
 * same method, path, query, headers and body; HTML answers to GET stream
 * through the alt-text rewrite, everything else comes back untouched.
 */
export interface ProxyBindings {
  kv: KVNamespace;
  queue: Queue<AltTextJob>;
  /** For work after the response (the queue message). */
  defer(work: Promise<unknown>): void;
}

/** Headers that describe one hop, not the message (RFC 9110 7.6.1), plus Host, which names the origin. */
const HOP_HEADERS = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host'];

/** How many images one queue message carries; a page with more sends several. */
const IMAGES_PER_JOB = 100;
/** Seconds a page's job counts as queued; views in between send nothing (KV's smallest TTL). */
const PENDING_SECONDS = 60;

export function originRequest(request: Request, config: AltTextConfig): Request {
  const incoming = new URL(request.url);
  const target = new URL(pagePath(incoming), config.origin);
  const headers = new Headers(request.headers);
  for (const name of HOP_HEADERS) headers.delete(name);
  headers.set('x-forwarded-host', incoming.host);
  headers.set('x-forwarded-proto', incoming.protocol.replace(':', ''));
  return new Request(target, { method: request.method, headers, body: request.body, redirect: 'manual' });
}

export function isHtml(response: Response): boolean {
  const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'text/html' || type === 'application/xhtml+xml';
}

export async function readPageRecord(kv: KVNamespace, page: string): Promise<PageRecord | undefined> {
  const stored = await kv.get(await pageKey(page), 'json');
  if (stored === null) return undefined;
  const parsed = PageRecord.safeParse(stored);
  return parsed.success ? parsed.data : undefined;
}

/** The request as the origin answers it, with the alt-text rewrite applied to HTML pages. */
export async function proxyRequest(request: Request, config: AltTextConfig, bindings: ProxyBindings): Promise<Response> {
  const pageUrl = new URL(request.url);
  const page = pagePath(pageUrl);
  const rewritable = request.method === 'GET';
  // Started before the origin is asked, so it is usually in hand before the first <img>.
  const record = rewritable ? readPageRecord(bindings.kv, page).catch(logged('alt_page_read_failed', page)) : undefined;
  // Redirects go back to the browser. (Local miniflare follows them anyway; production honours `manual`.)
  const response = publicLocation(await fetch(originRequest(request, config), { redirect: 'manual' }), config, pageUrl.origin);
  if (!record || response.status !== 200 || !isHtml(response) || response.body === null) return response;
  const learn = isPublicView(request, response);
  return rewriteHtml(response, {
    pageUrl,
    record,
    onMisses(misses, lang) {
      if (learn && misses.length) bindings.defer(enqueue(bindings, { page, publicOrigin: pageUrl.origin, lang, images: misses }));
    },
  });
}

/**
 * Whether this view may teach the proxy about the page. Page records are
 * shared by everyone who views the page and listed by the report, so a
 * personal view (credentials sent, or an answer the origin marks private or
 * not to be stored) applies what is known but adds nothing to it.
 */
export function isPublicView(request: Request, response: Response): boolean {
  if (request.headers.has('authorization')) return false;
  const cacheControl = (response.headers.get('cache-control') ?? '').toLowerCase();
  return !/\b(?:private|no-store)\b/.test(cacheControl);
}

/** Queues the page's misses, unless a job for the page was queued within the last minute. */
async function enqueue(bindings: ProxyBindings, job: { page: string; publicOrigin: string; lang: string | undefined; images: Occurrence[] }): Promise<void> {
  try {
    const pending = await pendingKey(job.page);
    if ((await bindings.kv.get(pending)) !== null) return;
    await bindings.kv.put(pending, '1', { expirationTtl: PENDING_SECONDS });
    const messages: { body: AltTextJob }[] = [];
    for (let i = 0; i < job.images.length; i += IMAGES_PER_JOB) {
      messages.push({ body: { page: job.page, publicOrigin: job.publicOrigin, ...(job.lang ? { lang: job.lang } : {}), images: job.images.slice(i, i + IMAGES_PER_JOB) } });
    }
    await bindings.queue.sendBatch(messages);
    console.log(JSON.stringify({ event: 'alt_enqueued', page: job.page, images: job.images.length }));
  } catch (error) {
    logged('alt_enqueue_failed', job.page)(error);
  }
}

function logged(event: string, page: string) {
  return (error: unknown): undefined => {
    console.warn(JSON.stringify({ event, page, error: String(error).slice(0, 200) }));
    return undefined;
  };
}
