import { describe, it, expect } from 'vitest';
import { ApiError } from '../../errors/api-error.ts';
import { fetchImageUrl, type FetchImageUrlOptions } from './fetch-image-url.ts';
import type { UrlPolicy } from './url-policy.ts';

// These run inside workerd as well as Node: only web-standard globals
// (Response, ReadableStream, AbortSignal, setTimeout), no node: modules.

const POLICY: UrlPolicy = { allowHttpOrigins: [] };
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

interface Call {
  url: string;
  init: RequestInit | undefined;
}

/** A fake `fetch` answering from a handler, recording every request it was asked for. */
function fakeFetch(handler: (url: string, init: RequestInit | undefined) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    calls.push({ url, init });
    return handler(url, init);
  }) as typeof fetch;
  return { fetcher, calls };
}

function options(fetcher: typeof fetch, overrides: Partial<FetchImageUrlOptions> = {}): FetchImageUrlOptions {
  return { policy: POLICY, timeoutMs: 1000, maxBytes: 1024, maxRedirects: 3, fetcher, ...overrides };
}

function redirect(location: string, status = 302): Response {
  return new Response(null, { status, headers: { location } });
}

/** Awaits `promise`, expecting an ApiError; returns it. */
async function apiError(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error('expected an ApiError, but the promise resolved');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A body stream that records how much it produced and whether it was cancelled. */
function trackedStream(pull: (controller: ReadableStreamDefaultController<Uint8Array>) => void | Promise<void>) {
  const state = { bytesEnqueued: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const wrapped = {
          enqueue(chunk: Uint8Array) {
            state.bytesEnqueued += chunk.byteLength;
            controller.enqueue(chunk);
          },
          close: () => controller.close(),
          error: (e: unknown) => controller.error(e),
          desiredSize: controller.desiredSize,
        } as ReadableStreamDefaultController<Uint8Array>;
        await pull(wrapped);
      },
      cancel() {
        state.cancelled = true;
      },
    },
    // Pull only when the reader asks, so "bytes produced" tracks "bytes read".
    { highWaterMark: 0 },
  );
  return { stream, state };
}

describe('fetchImageUrl: success', () => {
  it('returns the bytes, final URL and the Content-Type as given, sending Accept: image/* and redirect: manual', async () => {
    const { fetcher, calls } = fakeFetch(() => new Response(PNG, { headers: { 'content-type': 'text/html' } }));
    const result = await fetchImageUrl(new URL('https://images.example.com/cat.png'), options(fetcher, { userAgent: 'edge-vision-test/1' }));
    expect(Array.from(result.bytes)).toEqual(Array.from(PNG));
    expect(result.finalUrl).toBe('https://images.example.com/cat.png');
    // Returned untouched: the format is decided from the bytes, not this header.
    expect(result.contentType).toBe('text/html');
    expect(calls).toHaveLength(1);
    const init = calls[0]!.init!;
    expect(init.redirect).toBe('manual');
    expect(init.method).toBe('GET');
    expect(init.signal).toBeDefined();
    const headers = new Headers(init.headers);
    expect(headers.get('accept')).toBe('image/*');
    expect(headers.get('user-agent')).toBe('edge-vision-test/1');
  });

  it('joins a body sent in many chunks, and accepts exactly maxBytes', async () => {
    const { stream } = trackedStream(
      (() => {
        let sent = 0;
        return (controller) => {
          if (sent === 8) return controller.close();
          controller.enqueue(new Uint8Array(128).fill(sent));
          sent++;
        };
      })(),
    );
    const { fetcher } = fakeFetch(() => new Response(stream));
    const result = await fetchImageUrl(new URL('https://example.com/a.png'), options(fetcher, { maxBytes: 1024 }));
    expect(result.bytes.byteLength).toBe(1024);
    expect(result.bytes[0]).toBe(0);
    expect(result.bytes[1023]).toBe(7);
    expect(result.contentType).toBeNull();
  });

  it('returns an empty body as empty bytes (the caller answers empty_body)', async () => {
    const { fetcher } = fakeFetch(() => new Response(null, { status: 200 }));
    const result = await fetchImageUrl(new URL('https://example.com/a.png'), options(fetcher));
    expect(result.bytes.byteLength).toBe(0);
  });

  it('allows a listed http origin, including a loopback one', async () => {
    const { fetcher } = fakeFetch(() => new Response(PNG));
    const policy: UrlPolicy = { allowHttpOrigins: ['http://127.0.0.1:9000'] };
    const result = await fetchImageUrl(new URL('http://127.0.0.1:9000/a.png'), options(fetcher, { policy }));
    expect(result.finalUrl).toBe('http://127.0.0.1:9000/a.png');
  });

  it('re-checks the initial URL itself, before any fetch', async () => {
    const { fetcher, calls } = fakeFetch(() => new Response(PNG));
    const error = await apiError(fetchImageUrl(new URL('https://169.254.169.254/latest/meta-data/'), options(fetcher)));
    expect(error.status).toBe(400);
    expect(error.code).toBe('url_not_allowed');
    expect(calls).toHaveLength(0);
  });
});

describe('fetchImageUrl: redirects', () => {
  it('follows an absolute and then a relative redirect, resolving it against the current URL', async () => {
    const { fetcher, calls } = fakeFetch((url) => {
      if (url === 'https://a.example.com/start') return redirect('https://b.example.com/dir/one', 301);
      if (url === 'https://b.example.com/dir/one') return redirect('../img/two.png?x=1', 307);
      if (url === 'https://b.example.com/img/two.png?x=1') return redirect('//c.example.com/three.png', 308);
      if (url === 'https://c.example.com/three.png') return new Response(PNG, { headers: { 'content-type': 'image/png' } });
      return new Response('unexpected', { status: 500 });
    });
    const result = await fetchImageUrl(new URL('https://a.example.com/start'), options(fetcher));
    expect(result.finalUrl).toBe('https://c.example.com/three.png');
    expect(calls.map((call) => call.url)).toEqual([
      'https://a.example.com/start',
      'https://b.example.com/dir/one',
      'https://b.example.com/img/two.png?x=1',
      'https://c.example.com/three.png',
    ]);
    for (const call of calls) expect(call.init?.redirect).toBe('manual');
  });

  const privateTargets = [
    'http://127.0.0.1/',
    'https://127.0.0.1/',
    'https://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'https://2130706433/',
    'https://0x7f.1/',
    'https://[::1]/',
    'https://[::ffff:10.0.0.1]/',
    'https://[fd00::1]/',
    'https://localhost/',
    'https://metadata.google.internal/computeMetadata/v1/',
    'https://intranet/',
    'https://ok.com@evil.example/',
    'https://example.com:8443/',
    'file:///etc/passwd',
    'gopher://127.0.0.1:6379/_FLUSHALL',
    'http://example.com/plain-http.png',
  ];
  for (const target of privateTargets) {
    it(`refuses a redirect to ${target} without requesting it`, async () => {
      const { fetcher, calls } = fakeFetch((url) => (url === 'https://public.example.com/a.png' ? redirect(target) : new Response(PNG)));
      const error = await apiError(fetchImageUrl(new URL('https://public.example.com/a.png'), options(fetcher)));
      expect(error.status).toBe(400);
      expect(error.code).toBe('url_not_allowed');
      expect(error.message).toMatch(/redirected to a URL that is not allowed/);
      expect(calls.map((call) => call.url)).toEqual(['https://public.example.com/a.png']);
    });
  }

  it('refuses a private hop deep in a chain', async () => {
    const { fetcher, calls } = fakeFetch((url) => {
      if (url === 'https://one.example.com/') return redirect('https://two.example.com/');
      if (url === 'https://two.example.com/') return redirect('/relative-is-fine');
      if (url === 'https://two.example.com/relative-is-fine') return redirect('http://[::ffff:127.0.0.1]:80/');
      return new Response(PNG);
    });
    const error = await apiError(fetchImageUrl(new URL('https://one.example.com/'), options(fetcher)));
    expect(error.code).toBe('url_not_allowed');
    expect(calls).toHaveLength(3);
  });

  it('fails with 502 after maxRedirects hops', async () => {
    let n = 0;
    const { fetcher, calls } = fakeFetch(() => redirect(`/loop/${++n}`));
    const error = await apiError(fetchImageUrl(new URL('https://loop.example.com/'), options(fetcher, { maxRedirects: 3 })));
    expect(error.status).toBe(502);
    expect(error.code).toBe('fetch_failed');
    expect(error.message).toMatch(/more than 3/);
    // The original request plus 3 followed hops.
    expect(calls).toHaveLength(4);
  });

  it('follows no redirect when maxRedirects is 0', async () => {
    const { fetcher, calls } = fakeFetch(() => redirect('https://other.example.com/'));
    const error = await apiError(fetchImageUrl(new URL('https://example.com/'), options(fetcher, { maxRedirects: 0 })));
    expect(error.code).toBe('fetch_failed');
    expect(calls).toHaveLength(1);
  });

  it('fails with 502 on a redirect without a Location', async () => {
    const { fetcher } = fakeFetch(() => new Response(null, { status: 302 }));
    const error = await apiError(fetchImageUrl(new URL('https://example.com/'), options(fetcher)));
    expect(error.status).toBe(502);
    expect(error.message).toMatch(/no Location/);
  });

  it('fails with 502 on a redirect to an unparsable Location', async () => {
    const { fetcher } = fakeFetch(() => redirect('https://exa mple.com:99999/'));
    const error = await apiError(fetchImageUrl(new URL('https://example.com/'), options(fetcher)));
    expect(error.status).toBe(502);
    expect(error.message).toMatch(/invalid Location/);
  });
});

describe('fetchImageUrl: status and network errors', () => {
  it('answers 502 with the upstream status for a 404', async () => {
    const { stream, state } = trackedStream((controller) => controller.enqueue(new Uint8Array(64)));
    const { fetcher } = fakeFetch(() => new Response(stream, { status: 404 }));
    const error = await apiError(fetchImageUrl(new URL('https://example.com/missing.png'), options(fetcher)));
    expect(error.status).toBe(502);
    expect(error.code).toBe('fetch_failed');
    expect(error.message).toMatch(/404/);
    expect(error.extensions.upstream_status).toBe(404);
    // The error body is not read.
    await sleep(0);
    expect(state.cancelled).toBe(true);
  });

  for (const status of [500, 503, 304, 300]) {
    it(`answers 502 for status ${status}`, async () => {
      const { fetcher } = fakeFetch(() => new Response(null, { status }));
      const error = await apiError(fetchImageUrl(new URL('https://example.com/'), options(fetcher)));
      expect(error.status).toBe(502);
      expect(error.message).toMatch(String(status));
    });
  }

  it('answers 502 for a network error, without echoing its message', async () => {
    const { fetcher } = fakeFetch(() => {
      throw new TypeError('connect ECONNREFUSED 10.0.0.7:443 (internal detail)');
    });
    const error = await apiError(fetchImageUrl(new URL('https://example.com/'), options(fetcher)));
    expect(error.status).toBe(502);
    expect(error.code).toBe('fetch_failed');
    expect(error.message).not.toMatch(/10\.0\.0\.7|ECONNREFUSED/);
  });

  it('answers 502 when the body stream errors midway', async () => {
    let sent = false;
    const { stream } = trackedStream((controller) => {
      if (sent) return controller.error(new Error('connection reset'));
      controller.enqueue(new Uint8Array(10));
      sent = true;
    });
    const { fetcher } = fakeFetch(() => new Response(stream));
    const error = await apiError(fetchImageUrl(new URL('https://example.com/'), options(fetcher)));
    expect(error.status).toBe(502);
  });
});

describe('fetchImageUrl: timeouts', () => {
  it('times out an origin that sends headers and then trickles bytes forever', { timeout: 2000 }, async () => {
    const { stream, state } = trackedStream(async (controller) => {
      await sleep(10);
      controller.enqueue(new Uint8Array([0xff]));
    });
    const { fetcher } = fakeFetch(() => new Response(stream, { headers: { 'content-type': 'image/jpeg' } }));
    const error = await apiError(fetchImageUrl(new URL('https://slow.example.com/'), options(fetcher, { timeoutMs: 100, maxBytes: 1_000_000 })));
    expect(error.status).toBe(504);
    expect(error.code).toBe('fetch_timeout');
    expect(state.bytesEnqueued).toBeGreaterThan(0);
    // The stream is cancelled, so the origin stops being read.
    await sleep(0);
    expect(state.cancelled).toBe(true);
  });

  it('times out a body that stalls after headers (never sends a byte)', { timeout: 2000 }, async () => {
    const { stream, state } = trackedStream(() => new Promise<void>(() => {}));
    const { fetcher } = fakeFetch(() => new Response(stream));
    const error = await apiError(fetchImageUrl(new URL('https://stall.example.com/'), options(fetcher, { timeoutMs: 50 })));
    expect(error.code).toBe('fetch_timeout');
    await sleep(0);
    expect(state.cancelled).toBe(true);
  });

  it('times out a fetch that never answers, even one that ignores its signal', { timeout: 2000 }, async () => {
    const { fetcher } = fakeFetch(() => new Promise<Response>(() => {}));
    const error = await apiError(fetchImageUrl(new URL('https://hang.example.com/'), options(fetcher, { timeoutMs: 50 })));
    expect(error.status).toBe(504);
    expect(error.code).toBe('fetch_timeout');
  });

  it('times out through the signal for a fetch that honours it', { timeout: 2000 }, async () => {
    let sawAbort = false;
    const { fetcher } = fakeFetch(
      (_url, init) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => {
            sawAbort = true;
            reject(new DOMException('aborted', 'AbortError'));
          });
        }),
    );
    const error = await apiError(fetchImageUrl(new URL('https://hang.example.com/'), options(fetcher, { timeoutMs: 50 })));
    expect(error.code).toBe('fetch_timeout');
    expect(sawAbort).toBe(true);
  });

  it('counts one deadline over all redirect hops, not one per hop', { timeout: 2000 }, async () => {
    // Each hop takes 40 ms: under a 100 ms budget alone, over it in total.
    const { fetcher, calls } = fakeFetch(async (url) => {
      await sleep(40);
      return url.endsWith('/4') ? new Response(PNG) : redirect(`/${Number(url.slice(-1)) + 1}`);
    });
    const error = await apiError(fetchImageUrl(new URL('https://example.com/1'), options(fetcher, { timeoutMs: 100, maxRedirects: 5 })));
    expect(error.code).toBe('fetch_timeout');
    expect(calls.length).toBeLessThan(4);
  });
});

describe('fetchImageUrl: byte cap', () => {
  it('refuses a declared Content-Length over the cap without reading the body', async () => {
    const { stream, state } = trackedStream((controller) => controller.enqueue(new Uint8Array(512)));
    const { fetcher } = fakeFetch(() => new Response(stream, { headers: { 'content-length': '5000' } }));
    const error = await apiError(fetchImageUrl(new URL('https://example.com/big.jpg'), options(fetcher, { maxBytes: 1024 })));
    expect(error.status).toBe(413);
    expect(error.code).toBe('payload_too_large');
    expect(error.extensions.max_bytes).toBe(1024);
    expect(state.bytesEnqueued).toBe(0);
    await sleep(0);
    expect(state.cancelled).toBe(true);
  });

  it('counts the stream when Content-Length lies (declares less than is sent)', async () => {
    const { stream, state } = trackedStream((controller) => controller.enqueue(new Uint8Array(300)));
    const { fetcher } = fakeFetch(() => new Response(stream, { headers: { 'content-length': '10' } }));
    const error = await apiError(fetchImageUrl(new URL('https://example.com/'), options(fetcher, { maxBytes: 1024 })));
    expect(error.status).toBe(413);
    expect(state.bytesEnqueued).toBeLessThanOrEqual(1024 + 300);
  });

  it('stops an endless stream without Content-Length as soon as the cap is passed', { timeout: 2000 }, async () => {
    const { stream, state } = trackedStream((controller) => controller.enqueue(new Uint8Array(100).fill(7)));
    const { fetcher } = fakeFetch(() => new Response(stream));
    const error = await apiError(fetchImageUrl(new URL('https://endless.example.com/'), options(fetcher, { maxBytes: 1000, timeoutMs: 5000 })));
    expect(error.status).toBe(413);
    expect(error.code).toBe('payload_too_large');
    // Read up to the chunk that passed the cap, and no further.
    expect(state.bytesEnqueued).toBeLessThanOrEqual(1100);
    await sleep(0);
    expect(state.cancelled).toBe(true);
  });

  it('refuses a single chunk bigger than the cap', async () => {
    const { fetcher } = fakeFetch(() => new Response(new Uint8Array(2048)));
    const error = await apiError(fetchImageUrl(new URL('https://example.com/'), options(fetcher, { maxBytes: 1024 })));
    expect(error.status).toBe(413);
  });

  it('ignores a malformed Content-Length and counts instead', async () => {
    const { fetcher } = fakeFetch(() => new Response(PNG, { headers: { 'content-length': 'lots' } }));
    const result = await fetchImageUrl(new URL('https://example.com/'), options(fetcher));
    expect(result.bytes.byteLength).toBe(PNG.byteLength);
  });
});
