// Which embedding model answers when a request names none: MobileCLIP once installed,
// mobilenet-v2-features otherwise. Real MobileCLIP weights cannot exist here, so the
// "installed" state is the generated test model (installed in test builds) put first
// with the EMBED_MODELS var, and "not installed" is MobileCLIP-S0 itself, or the test
// model with its weights hidden from the assets binding.
import { applyD1Migrations, createExecutionContext, waitOnExecutionContext, type D1Migration } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import app from '../../functions/api/index.ts';
import cat from '../fixtures/photos/cat-chelsea.jpg?bytes';
import { postImage, uniqueCopy } from '../support/client.ts';

type Embedded = { embedding: number[]; dim: number; model: string };
type Analyzed = { embedding: number[]; models: Record<string, string> };
const RUN = crypto.randomUUID().slice(0, 8);

/** The Worker with other vars or bindings, as a deployment configured that way would run. */
async function fetchWith(bindings: object, path: string, init: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(`https://api.test${path}`, init), { ...(env as object), ...bindings }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const image = (bytes: Uint8Array): RequestInit => ({ method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } });

async function ok<T>(response: Response): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text) as T;
}

/** MODEL_FILES that answers 404 for one model's files: that model is not installed. */
function withoutModel(id: string): Fetcher {
  return {
    fetch: (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.pathname.startsWith(`/${id}/`)) return Promise.resolve(new Response('not found', { status: 404 }));
      return env.MODEL_FILES.fetch(input, init);
    },
    connect: () => {
      throw new Error('not used');
    },
  } as unknown as Fetcher;
}

describe('default embedding model: MobileCLIP not installed', () => {
  it('is mobilenet-v2-features (1280-d) for /v1/embed and /v1/analyze', async () => {
    const photo = uniqueCopy(cat, `none-${RUN}`);
    const embedded = await ok<Embedded>(await fetchWith({}, '/v1/embed', image(photo)));
    expect(embedded.model).toMatch(/^mobilenet-v2-features@/);
    expect(embedded.dim).toBe(1280);
    const analyzed = await ok<Analyzed & { cache: Record<string, string> }>(await fetchWith({}, '/v1/analyze?features=embedding', image(photo)));
    expect(analyzed.models.embedding).toBe(embedded.model);
    // The same cache entry: /v1/analyze's section is /v1/embed's answer.
    expect(analyzed.cache.embedding).toBe('HIT');
    // Clients calling the Worker with the shipped configuration see the same default.
    expect((await ok<Embedded>(await postImage('/v1/embed', photo))).model).toBe(embedded.model);
  });

  it('stays mobilenet-v2-features when the preferred model is listed but its weights are missing', async () => {
    const photo = uniqueCopy(cat, `missing-${RUN}`);
    const s0First = await ok<Embedded>(await fetchWith({ EMBED_MODELS: 'mobileclip-s0,mobilenet-v2-features' }, '/v1/embed', image(photo)));
    expect(s0First.model).toMatch(/^mobilenet-v2-features@/);
    const hidden = await ok<Embedded>(
      await fetchWith({ EMBED_MODELS: 'mobileclip-test,mobilenet-v2-features', MODEL_FILES: withoutModel('mobileclip-test') }, '/v1/embed', image(photo)),
    );
    expect(hidden.model).toMatch(/^mobilenet-v2-features@/);
  });
});

describe('default embedding model: MobileCLIP installed (the generated test model standing in)', () => {
  const installed = { EMBED_MODELS: 'mobileclip-s0,mobileclip-test,mobilenet-v2-features' };

  it('answers /v1/embed and /v1/analyze with the image-text model (512-d) when the request names none', async () => {
    const photo = uniqueCopy(cat, `installed-${RUN}`);
    const embedded = await ok<Embedded>(await fetchWith(installed, '/v1/embed', image(photo)));
    expect(embedded.model).toBe('mobileclip-test@1');
    expect(embedded.dim).toBe(512);
    expect(Math.hypot(...embedded.embedding)).toBeCloseTo(1, 5);
    const analyzed = await fetchWith(installed, '/v1/analyze?features=embedding', image(photo));
    const body = await ok<Analyzed & { cache: Record<string, string> }>(analyzed);
    expect(body.models.embedding).toBe('mobileclip-test@1');
    // Same task, same parameters once the default is filled in: the /v1/embed cache entry.
    expect(body.cache.embedding).toBe('HIT');
  });

  it('still honours a model named in the request', async () => {
    const named = await ok<Embedded>(await fetchWith(installed, '/v1/embed?model=mobilenet-v2-features', image(uniqueCopy(cat, `named-${RUN}`))));
    expect(named.model).toMatch(/^mobilenet-v2-features@/);
  });

  it('refuses an EMBED_MODELS entry that is not an embedding model as a misconfiguration', async () => {
    const response = await fetchWith({ EMBED_MODELS: 'mobilenet-v2' }, '/v1/embed', image(cat));
    expect(response.status).toBe(500);
    expect(((await response.json()) as { code: string; detail: string }).detail).toMatch(/EMBED_MODELS names `mobilenet-v2`/);
  });
});

describe('collections keep their own model when the default changes', () => {
  beforeAll(async () => {
    await applyD1Migrations(env.SEARCH_DB, (env as unknown as { TEST_MIGRATIONS: D1Migration[] }).TEST_MIGRATIONS);
  });

  it('a collection built with mobilenet-v2-features takes new images with it after MobileCLIP becomes the default', async () => {
    const name = `default-${RUN}`;
    const put = (bindings: object, id: string) =>
      fetchWith(bindings, `/v1/collections/${name}/items/${id}`, { method: 'PUT', body: uniqueCopy(cat, id), headers: { 'content-type': 'application/octet-stream' } });
    const before = await put({}, 'a');
    expect(before.status, await before.clone().text()).toBe(201);
    const after = await put({ EMBED_MODELS: 'mobileclip-test,mobilenet-v2-features' }, 'b');
    expect(after.status, await after.clone().text()).toBe(201);
    const info = (await (await fetchWith({}, `/v1/collections/${name}`, { method: 'GET' })).json()) as { model: string; dim: number };
    expect(info.model).toMatch(/^mobilenet-v2-features@/);
    expect(info.dim).toBe(1280);
  });
});
