import { ApiError } from '../../errors/api-error.ts';
import { checkImageUrl, type UrlPolicy } from './url-policy.ts';
import { joinChunks } from '../read-capped.ts';

export interface FetchImageUrlOptions {
  policy: UrlPolicy;
  /** Budget for the whole operation: every redirect hop and the full body read. */
  timeoutMs: number;
  /** Largest body accepted; counted while streaming, never buffered past. */
  maxBytes: number;
  /** Redirect hops followed; hop maxRedirects + 1 fails with 502. */
  maxRedirects: number;
  /** Injected in tests; the global `fetch` otherwise. */
  fetcher?: typeof fetch;
  userAgent?: string;
}

export interface FetchedImage {
  bytes: Uint8Array;
  /** The URL the bytes came from, after redirects. */
  finalUrl: string;
  /** The origin's Content-Type, returned as a hint only: the format is decided from the bytes. */
  contentType: string | null;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * Fetches an image URL that `checkImageUrl` accepted.
 *
 * - Redirects are followed by hand (`redirect: 'manual'`) so every Location
 *   is checked against the policy again before it is requested: a public URL
 *   must not be able to bounce the Worker to a private one.
 * - One deadline covers all hops and the body read. Each await is raced
 *   against the abort signal, so neither a `fetch` that ignores its signal
 *   nor an origin that sends headers and then trickles bytes forever can
 *   hold the request past it.
 * - The byte cap is checked against Content-Length first and then counted
 *   chunk by chunk; the stream is cancelled as soon as it is passed.
 *
 * Errors: 400 url_not_allowed (a hop is not allowed), 504 fetch_timeout,
 * 413 payload_too_large, 502 fetch_failed (network error, non-2xx status,
 * too many redirects, a redirect without a usable Location).
 */
export async function fetchImageUrl(url: URL, opts: FetchImageUrlOptions): Promise<FetchedImage> {
  const fetcher = opts.fetcher ?? fetch;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('fetch deadline passed')), opts.timeoutMs);
  try {
    // Re-check even though the caller should have: this function is the last
    // line before the network, and the check is cheap.
    const first = checkImageUrl(url.href, opts.policy);
    return await fetchFollowingRedirects(first, opts, fetcher, controller.signal);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    if (controller.signal.aborted) {
      throw new ApiError(504, 'fetch_timeout', `The image URL did not answer with the whole image within ${opts.timeoutMs} ms.`, {
        timeout_ms: opts.timeoutMs,
      });
    }
    // Never echo the platform's error message: it may describe internals.
    throw new ApiError(502, 'fetch_failed', 'The image URL could not be fetched (network error).');
  } finally {
    clearTimeout(timer);
  }
}

async function fetchFollowingRedirects(
  start: URL,
  opts: FetchImageUrlOptions,
  fetcher: typeof fetch,
  signal: AbortSignal,
): Promise<FetchedImage> {
  const headers: Record<string, string> = { accept: 'image/*' };
  if (opts.userAgent) headers['user-agent'] = opts.userAgent;

  let current = start;
  for (let hop = 0; ; hop++) {
    // A fresh init per hop; nothing from the client's request is forwarded.
    const response = await untilAborted(fetcher(current.href, { method: 'GET', redirect: 'manual', headers, signal }), signal);

    if (REDIRECT_STATUSES.has(response.status)) {
      discard(response);
      if (hop >= opts.maxRedirects) {
        throw new ApiError(502, 'fetch_failed', `The image URL redirected more than ${opts.maxRedirects} times.`, {
          max_redirects: opts.maxRedirects,
        });
      }
      current = nextHop(current, response.headers.get('location'), opts.policy);
      continue;
    }

    if (response.status < 200 || response.status > 299) {
      discard(response);
      throw new ApiError(502, 'fetch_failed', `The image URL answered with HTTP status ${response.status}.`, {
        upstream_status: response.status,
      });
    }

    const bytes = await readBodyCapped(response, opts.maxBytes, signal);
    return { bytes, finalUrl: current.href, contentType: response.headers.get('content-type') };
  }
}

/** Resolves a Location (relative ones against the current URL) and applies the policy to it. */
function nextHop(current: URL, location: string | null, policy: UrlPolicy): URL {
  if (location === null || location.trim() === '') {
    throw new ApiError(502, 'fetch_failed', 'The image URL answered with a redirect that has no Location.');
  }
  let resolved: URL;
  try {
    resolved = new URL(location, current);
  } catch {
    throw new ApiError(502, 'fetch_failed', 'The image URL answered with a redirect to an invalid Location.');
  }
  try {
    return checkImageUrl(resolved.href, policy);
  } catch (error) {
    if (error instanceof ApiError) {
      // Same status and code, but say it was a redirect: the client's own URL passed.
      throw new ApiError(error.status, error.code, `The image URL redirected to a URL that is not allowed: ${error.message}`);
    }
    throw error;
  }
}

async function readBodyCapped(response: Response, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
  const tooLarge = () =>
    new ApiError(413, 'payload_too_large', `The image at the URL is larger than the limit of ${maxBytes} bytes.`, {
      max_bytes: maxBytes,
    });

  // A declared length over the cap is refused without reading anything. An
  // absent or malformed header proves nothing: the count below is what holds.
  const declared = response.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared.trim()) > maxBytes) {
    discard(response);
    throw tooLarge();
  }

  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await untilAborted(reader.read(), signal);
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) throw tooLarge();
      chunks.push(value);
    }
  } catch (error) {
    // Timeout, cap or a broken stream: stop the origin sending more. Not
    // awaited, because a hostile stream's cancel could itself never settle.
    reader.cancel().catch(() => {});
    throw error;
  }

  return joinChunks(chunks, total);
}

/** Frees the connection of a response whose body is not wanted. */
function discard(response: Response): void {
  if (response.body && !response.bodyUsed && !response.body.locked) {
    response.body.cancel().catch(() => {});
  }
}

/**
 * Settles like `promise`, or rejects with the signal's reason as soon as it
 * aborts, whichever comes first. The listener is removed when `promise`
 * settles, so many reads do not pile listeners on one signal.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
