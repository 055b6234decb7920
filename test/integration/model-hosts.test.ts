// MobileCLIP's towers run in model hosts (functions/model-host), placed there by
// their manifest file entries (`worker`), while the API keeps preprocessing, the
// cache and the answers. Checked on the generated test model, across the real
// Worker boundary that test/support/model-workers.ts starts.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../../functions/api/index.ts';
import { encodeTensors } from '../../shared/inference/tensor-wire.ts';
import { call, expectProblem, postImage, postJson } from '../support/client.ts';
import { solidPng } from '../support/solid-png.ts';

const MODEL = 'mobileclip-test';
const RUN = crypto.randomUUID().slice(0, 8);

const host = (binding: 'CLIP_IMAGE_WORKER' | 'CLIP_TEXT_WORKER', path: string, body: BodyInit = '') =>
  env[binding].fetch(new Request(`https://model-host${path}`, { method: 'POST', body }));

const loadedHere = async () => {
  const health = (await (await call('/healthz')).json()) as { isolate: { models: Array<{ model: string }> } };
  return health.isolate.models.map((m) => m.model).filter((m) => m.startsWith(MODEL));
};

describe('model hosts', () => {
  it('runs the image tower in the image host: its stages come back in Server-Timing, the API isolate loads nothing', async () => {
    const response = await postImage(`/v1/embed?model=${MODEL}`, await solidPng([31, 97, 7], 40));
    expect(response.status, await response.clone().text()).toBe(200);
    const body = (await response.json()) as { embedding: number[]; dim: number };
    expect(body.dim).toBe(512);
    expect(Math.hypot(...body.embedding)).toBeCloseTo(1, 4);
    expect(response.headers.get('server-timing')).toMatch(/(^|, )clip-image\.infer;dur=/);
    expect(await loadedHere()).toEqual([]);
  });

  it('runs the text tower in the text host', async () => {
    const response = await postJson('/v1/embed/text', { text: [`a host test ${RUN}`], model: MODEL });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get('server-timing')).toMatch(/(^|, )clip-text\.infer;dur=/);
    expect(await loadedHere()).toEqual([]);
  });

  it('answers the same embedding as the graph run in this isolate would', async () => {
    // The wire carries raw float32 bytes: nothing is rounded on the way.
    const text = `exactness ${RUN}`;
    const first = (await (await postJson('/v1/embed/text', { text: [text], model: MODEL })).json()) as { embeddings: number[][] };
    const again = (await (await postJson('/v1/embed/text', { text: [text, `other ${RUN}`], model: MODEL })).json()) as { embeddings: number[][] };
    expect(again.embeddings[0]).toEqual(first.embeddings[0]);
  });

  it('a host refuses graphs its manifest places elsewhere, so they cannot load beside its own', async () => {
    const text = await host('CLIP_IMAGE_WORKER', `/internal/models/${MODEL}/text/open`);
    expect((await expectProblem(text, 404, 'not_found')).detail).toContain('CLIP_TEXT_WORKER');
    const local = await host('CLIP_IMAGE_WORKER', '/internal/models/mobilenet-v2/model/open');
    expect((await expectProblem(local, 404, 'not_found')).detail).toContain('the calling Worker');
    await expectProblem(await host('CLIP_IMAGE_WORKER', '/internal/models/no-such-model/model/open'), 404, 'not_found');
  });

  it('a host answers its graph input metadata on open, and refuses a malformed tensor message with 400', async () => {
    const open = await host('CLIP_IMAGE_WORKER', `/internal/models/${MODEL}/model/open`);
    expect(open.status).toBe(200);
    const opened = (await open.json()) as { inputMetadata: Array<{ name: string; shape: unknown[] }> };
    expect(opened.inputMetadata.map((m) => m.name)).toEqual(['pixel_values']);
    await expectProblem(await host('CLIP_IMAGE_WORKER', `/internal/models/${MODEL}/model/run`, new Uint8Array([1, 2, 3])), 400, 'invalid_request');
    const wrongShape = encodeTensors({ tensors: { pixel_values: { type: 'float32', data: new Float32Array(12), dims: [1, 3, 2, 2] } }, fetches: ['image_embeds'] });
    await expectProblem(await host('CLIP_IMAGE_WORKER', `/internal/models/${MODEL}/model/run`, wrongShape), 500, 'model_failed');
  });

  it('an unreachable host is 503 backend_unavailable, never cached; the same image answers once it is back', async () => {
    const unreachable = { fetch: () => Promise.reject(new Error('connection refused')) } as unknown as Fetcher;
    const image = await solidPng([200, 17, 90], 33);
    const request = () => new Request(`https://api.test/v1/embed?model=${MODEL}`, { method: 'POST', body: image });
    const ctx = createExecutionContext();
    const down = await worker.fetch(request(), { ...env, CLIP_IMAGE_WORKER: unreachable }, ctx);
    await waitOnExecutionContext(ctx);
    expect((await expectProblem(down, 503, 'backend_unavailable')).detail).toContain('CLIP_IMAGE_WORKER');
    const back = await postImage(`/v1/embed?model=${MODEL}`, image);
    expect(back.status).toBe(200);
    expect(back.headers.get('x-cache')).toBe('MISS');
  });

  it('a deployment without the binding says which binding is missing', async () => {
    const { CLIP_TEXT_WORKER: _, ...withoutText } = env;
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request('https://api.test/v1/embed/text', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: [`unbound ${RUN}`], model: MODEL }) }),
      withoutText as unknown as Env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect((await expectProblem(response, 503, 'backend_unavailable')).detail).toContain('no CLIP_TEXT_WORKER service binding');
  });
});
