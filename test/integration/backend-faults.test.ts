import { describe, expect, it } from 'vitest';
import dogBicycleTruck from '../fixtures/photos/dog-bicycle-truck.jpg?bytes';
import personDogHorse from '../fixtures/photos/person-dog-horse.jpg?bytes';
import { expectProblem } from '../support/client.ts';
import { backendCalls, backendLog, callWith, ownModels, postImageWith, scripted } from './backend-fixtures.ts';

/**
 * Every fault the fake HF server injects, through the real client and the
 * Worker's policy: budget 2000 ms, breaker 5 failures / 1000 ms in the test
 * configuration (vitest.config.ts), overridden where a test needs it. Each
 * test has model ids of its own, hence circuit breakers of its own.
 */
const vqa = (models: Record<string, string>, image: Uint8Array, question = 'Is there a dog?') =>
  postImageWith(models, `/v1/vqa?question=${encodeURIComponent(question)}`, image);

interface Problem {
  detail: string;
  retry_after?: number;
  source?: string;
}

describe('GPU backend faults', () => {
  it('waits out a cold start (503 + estimated_time) that fits the budget, then answers', async () => {
    const models = ownModels('cold');
    const image = scripted(dogBicycleTruck, 'loading=0.3', 'ok');
    const { result, lines } = await backendLog(() => vqa(models, image));
    expect(result.status).toBe(200);
    expect(lines.map((l) => [l.outcome, l.attempt])).toEqual([
      ['loading', 1],
      ['ok', 2],
    ]);
    expect(await backendCalls(image)).toEqual({ vqa: 2 });
  });

  it('answers 503 at once with retry_after when the model needs longer than the budget', async () => {
    const models = ownModels('cold-long');
    const image = scripted(dogBicycleTruck, 'loading=60');
    const started = Date.now();
    const problem = (await expectProblem(await vqa(models, image), 503, 'backend_unavailable')) as unknown as Problem;
    expect(Date.now() - started).toBeLessThan(1500);
    expect(problem.retry_after).toBe(60);
    expect(problem.detail).toContain('loading');
    expect(await backendCalls(image)).toEqual({ vqa: 1 });
  });

  it('gives up at the budget on a slow backend: 504 backend_timeout', async () => {
    const models = ownModels('slow');
    const image = scripted(dogBicycleTruck, 'slow=6000');
    const started = Date.now();
    await expectProblem(await vqa(models, image), 504, 'backend_timeout');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(3500);
  });

  it('retries a dropped connection, and answers 502 when it keeps dropping', async () => {
    const models = ownModels('drop');
    const once = scripted(dogBicycleTruck, 'drop', 'ok');
    expect((await vqa(models, once)).status).toBe(200);
    expect(await backendCalls(once)).toEqual({ vqa: 2 });
    const always = scripted(dogBicycleTruck, 'drop');
    await expectProblem(await vqa(models, always), 502, 'backend_failed');
    expect(await backendCalls(always)).toEqual({ vqa: 3 });
  });

  it('does not retry a 500 or a 503 without an estimate', async () => {
    const models = ownModels('errors');
    const failing = scripted(dogBicycleTruck, 'error');
    const problem = (await expectProblem(await vqa(models, failing), 502, 'backend_failed')) as unknown as Problem;
    expect(problem.detail).toContain('HTTP 500');
    expect(problem.source).toBe(`hf:${models.HF_VQA_MODEL}`);
    const busy = scripted(dogBicycleTruck, 'busy');
    await expectProblem(await vqa(models, busy), 503, 'backend_unavailable');
    expect(await backendCalls(failing)).toEqual({ vqa: 1 });
    expect(await backendCalls(busy)).toEqual({ vqa: 1 });
  });

  it('answers 502 for malformed JSON, wrong shapes, bad scores and oversized answers, and caches none of them', async () => {
    const models = ownModels('malformed');
    for (const fault of ['badjson', 'wrongshape', 'badlabel', 'huge']) {
      const image = scripted(dogBicycleTruck, fault, 'ok');
      await expectProblem(await vqa(models, image), 502, 'backend_failed');
      // The next request reaches the backend again (nothing was cached) and gets the good answer.
      const retry = await vqa(models, image);
      expect(retry.status).toBe(200);
      expect(retry.headers.get('x-cache')).toBe('MISS');
      expect(await backendCalls(image)).toEqual({ vqa: 2 });
    }
  });

  it('opens the circuit after repeated failures, fails fast while open, and closes after a good probe', async () => {
    const models = ownModels('breaker', { BACKEND_BREAKER_FAILURES: '3', BACKEND_BREAKER_COOLDOWN_MS: '600' });
    const failing = scripted(dogBicycleTruck, 'error');
    for (let i = 0; i < 3; i++) await expectProblem(await vqa(models, failing, `question ${i}`), 502, 'backend_failed');
    expect(await backendCalls(failing)).toEqual({ vqa: 3 });

    const { result, lines } = await backendLog(() => vqa(models, failing, 'question 4'));
    const open = (await expectProblem(result, 503, 'backend_unavailable')) as unknown as Problem;
    expect(open.detail).toContain('paused');
    expect(open.retry_after).toBe(1);
    expect(lines).toEqual([expect.objectContaining({ outcome: 'circuit_open', attempt: 0 })]);
    expect(await backendCalls(failing)).toEqual({ vqa: 3 });

    const listed = (await (await callWith(models, '/v1/models')).json()) as { models: Array<{ id: string; task: string; health?: { state: string; failures: number } }> };
    expect(listed.models.find((m) => m.id === `hf:${models.HF_VQA_MODEL}`)?.health).toMatchObject({ state: 'open', failures: 3 });

    await new Promise((resolve) => setTimeout(resolve, 700));
    const healthy = scripted(personDogHorse, 'ok');
    expect((await vqa(models, healthy)).status).toBe(200);
    const after = (await (await callWith(models, '/v1/models')).json()) as typeof listed;
    expect(after.models.find((m) => m.id === `hf:${models.HF_VQA_MODEL}`)?.health).toMatchObject({ state: 'closed', consecutive_failures: 0 });
  });

  it('falls back to the edge caption when the captioner fails, without caching the fallback', async () => {
    const models = ownModels('caption-fallback');
    const image = scripted(personDogHorse, 'error', 'ok');
    const fallback = await postImageWith(models, '/v1/caption', image);
    expect(fallback.status).toBe(200);
    expect(await fallback.json()).toMatchObject({ alt_text: 'A person, a dog and a horse.', source: 'edge' });
    // The backend is asked again next time, and its answer is not confused with the fallback.
    const recovered = await postImageWith(models, '/v1/caption', image);
    expect(await recovered.json()).toMatchObject({ source: `hf:${models.HF_CAPTION_MODEL}` });
    expect(await backendCalls(image)).toEqual({ caption: 2 });
    // fallback=none answers the backend's error instead.
    const strict = scripted(personDogHorse, 'slow=6000');
    await expectProblem(await postImageWith(models, '/v1/caption?fallback=none', strict), 504, 'backend_timeout');
  });

  it('shows each backend model and its health in GET /v1/models', async () => {
    const response = await callWith({}, '/v1/models');
    const { models } = (await response.json()) as { models: Array<{ id: string; task: string; runtime: string; health?: unknown }> };
    const remote = models.filter((m) => m.runtime === 'backend');
    expect(remote.map((m) => [m.task, m.id])).toEqual([
      ['caption', 'hf:fake/blip-caption'],
      ['vqa', 'hf:fake/vilt-vqa'],
      ['detect', 'hf:fake/detr-resnet-50'],
    ]);
    for (const m of remote) expect(m.health).toMatchObject({ state: expect.stringMatching(/closed|open|half-open/) });
    const none = (await (await callWith({ BACKEND: 'none' }, '/v1/models')).json()) as typeof response extends never ? never : { models: Array<{ runtime: string; id: string }> };
    expect(none.models.filter((m) => m.runtime === 'backend')).toEqual([]);
    expect(none.models.map((m) => m.id)).toContain('edge-caption');
  });

  it('fails loudly on a misconfigured backend', async () => {
    await expectProblem(await postImageWith({ BACKEND: 'gpu' }, '/v1/vqa?question=x', dogBicycleTruck), 500, 'internal_error');
    await expectProblem(await postImageWith({ HF_VQA_MODEL: '' }, '/v1/vqa?question=x', dogBicycleTruck), 500, 'internal_error');
  });
});
