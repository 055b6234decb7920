import { describe, expect, it } from 'vitest';
import { uniqueCopy } from '../support/client.ts';
import cat from '../fixtures/photos/cat-chelsea.jpg?bytes';
import { CACHE_READ_BUDGET_MS } from '../../shared/cache/result-cache.ts';
import { cacheEntriesFor, faultyKv, postBytes, send, sendWith } from './faults-env.ts';

type Labels = { labels: Array<{ label: string; score: number }>; image: { sha256: string } };

/** The answer with a healthy KV, for comparison. */
async function reference(bytes: Uint8Array): Promise<Labels> {
  const response = await send({}, '/v1/classify', postBytes(bytes));
  expect(response.status).toBe(200);
  return (await response.json()) as Labels;
}

describe('faults: Workers KV (the result cache) failing or slow', () => {
  it('a failing KV (reads and writes rejected) is a miss: the answer is computed, correct, and served', async () => {
    const image = uniqueCopy(cat, 'fault-kv-reject');
    const { kv, calls } = faultyKv({ get: 'reject', put: 'reject' });
    const response = await send({ CACHE: kv }, '/v1/classify', postBytes(image));
    expect(response.status).toBe(200);
    expect(response.headers.get('x-cache')).toBe('MISS');
    const body = (await response.json()) as Labels;
    expect(calls).toEqual({ get: 1, put: 1 });
    // Nothing was stored, so nothing wrong can be served later; when KV is back the result is computed and cached.
    expect(await cacheEntriesFor(body.image.sha256)).toEqual([]);
    const healthy = await send({}, '/v1/classify', postBytes(image));
    expect(healthy.headers.get('x-cache')).toBe('MISS');
    expect(((await healthy.json()) as Labels).labels).toEqual(body.labels);
    const hit = await send({}, '/v1/classify', postBytes(image));
    expect(hit.headers.get('x-cache')).toBe('HIT');
    expect(((await hit.json()) as Labels).labels).toEqual(body.labels);
  });

  it('a KV binding that throws as it is called is a miss too, and the write error never reaches the client', async () => {
    const image = uniqueCopy(cat, 'fault-kv-throw');
    const { kv } = faultyKv({ get: 'throw', put: 'throw' });
    const response = await send({ CACHE: kv }, '/v1/classify', postBytes(image));
    expect(response.status).toBe(200);
    expect(((await response.json()) as Labels).labels).toEqual((await reference(uniqueCopy(cat, 'fault-kv-throw-ref'))).labels);
  });

  it('a value that does not decode is a miss: recomputed and overwritten with the right one', async () => {
    const image = uniqueCopy(cat, 'fault-kv-garbage');
    const expected = await reference(image);
    const { kv } = faultyKv({ get: 'garbage' });
    const response = await send({ CACHE: kv }, '/v1/classify', postBytes(image));
    expect(response.status).toBe(200);
    expect(response.headers.get('x-cache')).toBe('MISS');
    expect(((await response.json()) as Labels).labels).toEqual(expected.labels);
    const hit = await send({}, '/v1/classify', postBytes(image));
    expect(hit.headers.get('x-cache')).toBe('HIT');
    expect(((await hit.json()) as Labels).labels).toEqual(expected.labels);
  });

  it(`a slow KV read (over ${CACHE_READ_BUDGET_MS} ms) is a miss, and a slow write does not delay the answer`, async () => {
    const image = uniqueCopy(cat, 'fault-kv-slow');
    const expected = await reference(uniqueCopy(cat, 'fault-kv-slow-ref'));
    const { kv } = faultyKv({ get: 5000, put: 3000 });
    const started = Date.now();
    const { response, settled } = sendWith({ CACHE: kv }, '/v1/classify', postBytes(image));
    const answer = await response;
    const answeredMs = Date.now() - started;
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-cache')).toBe('MISS');
    expect(((await answer.json()) as Labels).labels).toEqual(expected.labels);
    // The read budget plus the computation, not the 5 s read or the 3 s write.
    expect(answeredMs).toBeLessThan(CACHE_READ_BUDGET_MS + 2500);
    await settled;
    // The slow write landed after the answer: the next request is a hit.
    expect((await send({}, '/v1/classify', postBytes(image))).headers.get('x-cache')).toBe('HIT');
  });

  it('/v1/analyze with a failing KV still answers every section', async () => {
    const { kv } = faultyKv({ get: 'reject', put: 'reject' });
    const response = await send({ CACHE: kv }, '/v1/analyze?features=tags,objects,moderation', postBytes(uniqueCopy(cat, 'fault-kv-analyze')));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { tags: unknown[]; objects: unknown[]; moderation: { categories: object } };
    expect(body.tags.length).toBeGreaterThan(0);
    expect(Array.isArray(body.objects)).toBe(true);
    expect(body.moderation.categories).toBeTypeOf('object');
  });
});
