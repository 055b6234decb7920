import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { uniqueCopy } from '../support/client.ts';
import cat from '../fixtures/photos/cat-chelsea.jpg?bytes';
import { cacheEntriesFor, postBytes, send } from './faults-env.ts';

/** The model these tests break: /v1/moderate's. Its files are fetched from MODEL_FILES on first use in an isolate. */
const MODEL = 'nsfw-mobilenet-v2';

type Fault = 'missing' | 'corrupt' | 'store-error' | 'truncated';

/** MODEL_FILES with one model's files broken; every other model's files are served as usual. */
function brokenModelFiles(fault: Fault): Fetcher {
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!url.pathname.startsWith(`/${MODEL}/`)) return env.MODEL_FILES.fetch(input, init);
    if (fault === 'missing') return new Response('not found', { status: 404 });
    if (fault === 'store-error') return new Response('upstream error', { status: 500 });
    const bytes = new Uint8Array(await (await env.MODEL_FILES.fetch(input, init)).arrayBuffer());
    if (fault === 'truncated') return new Response(bytes.slice(0, bytes.length >> 1));
    const middle = bytes.length >> 1;
    bytes[middle] = bytes[middle]! ^ 0x01; // one bit flipped, same size
    return new Response(bytes);
  };
  return { fetch, connect: env.MODEL_FILES.connect } as unknown as Fetcher;
}

async function moderate(image: Uint8Array, fault?: Fault): Promise<Response> {
  return send(fault ? { MODEL_FILES: brokenModelFiles(fault) } : {}, '/v1/moderate', postBytes(image));
}

describe('faults: a model file missing or corrupt', () => {
  it('starts with the model not loaded in this isolate (a loaded model never re-reads its files)', async () => {
    const health = (await (await send({}, '/healthz')).json()) as { isolate: { models: Array<{ model: string }> } };
    expect(health.isolate.models.map((m) => m.model.split('@')[0])).not.toContain(MODEL);
  });

  it('answers each fault with a clear 503, caches nothing, and keeps the other routes serving', async () => {
    const image = uniqueCopy(cat, 'fault-model');
    const expected: Record<Fault, { code: string; detail: RegExp }> = {
      missing: { code: 'model_not_installed', detail: /not installed.*missing/ },
      corrupt: { code: 'model_failed', detail: /does not match its manifest \(sha256\)/ },
      truncated: { code: 'model_failed', detail: /does not match its manifest/ },
      'store-error': { code: 'model_failed', detail: /could not be read \(500\)/ },
    };
    for (const [fault, { code, detail }] of Object.entries(expected) as Array<[Fault, { code: string; detail: RegExp }]>) {
      const response = await moderate(image, fault);
      expect(response.status, fault).toBe(503);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(response.headers.get('x-cache')).toBeNull();
      const body = (await response.json()) as { code: string; detail: string };
      expect(body.code, fault).toBe(code);
      expect(body.detail, fault).toMatch(detail);
      // While this model is broken, routes on other models answer.
      const classify = await send({ MODEL_FILES: brokenModelFiles(fault) }, '/v1/classify', postBytes(image));
      expect(classify.status).toBe(200);
    }
    const sha256 = ((await (await send({}, '/v1/inspect', postBytes(image))).json()) as { image: { sha256: string } }).image.sha256;
    expect((await cacheEntriesFor(sha256)).filter((key) => key.startsWith('r1:moderate:'))).toEqual([]);
  });

  it('recovers when the files are back: a failed load is not remembered', async () => {
    const image = uniqueCopy(cat, 'fault-model');
    const response = await moderate(image);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-cache')).toBe('MISS');
    const body = (await response.json()) as { categories: Record<string, number> };
    expect(Object.keys(body.categories).sort()).toEqual(['drawing', 'hentai', 'neutral', 'porn', 'sexy']);
    expect((await moderate(image)).headers.get('x-cache')).toBe('HIT');
  });
});
