import { inject } from 'vitest';
import { describe, expect, it } from 'vitest';
import { call, expectProblem, postImage, postJson, toBase64, uniqueCopy, untilHit } from '../support/client.ts';
import cat from '../fixtures/photos/cat-chelsea.jpg?bytes';
import spaniels from '../fixtures/photos/dogs-two-spaniels.jpg?bytes';
import coffee from '../fixtures/photos/coffee-cup-saucer.png?bytes';
import giraffeZebra from '../fixtures/photos/giraffe-zebra.jpg?bytes';
import tulips from '../fixtures/photos/tulips-pink.png?bytes';
import truncated from '../fixtures/ingest/truncated.jpg?bytes';
import svg from '../fixtures/ingest/image.svg?bytes';

const origin = inject('fixtureOrigin');

interface Item {
  index: number;
  cache?: 'HIT' | 'MISS';
  model?: string;
  image?: { sha256: string; width: number; format: string };
  error?: { status: number; code: string; detail: string };
  [field: string]: unknown;
}
interface BatchBody {
  task: string;
  model: string;
  results: Item[];
  batch: { images: number; session_runs_batched: number; images_batched: number; sequential_reason?: string };
}

function multipart(images: Uint8Array[], fields: Record<string, string>): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  images.forEach((bytes, i) => form.append('image', new Blob([bytes]), `image-${i}`));
  return form;
}

async function postBatch(form: FormData, query = ''): Promise<Response> {
  return call(`/v1/batch${query}`, { method: 'POST', body: form });
}

async function ok(response: Response): Promise<BatchBody> {
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text) as BatchBody;
}

async function single<T>(path: string, bytes: Uint8Array): Promise<T> {
  const response = await postImage(path, bytes);
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text) as T;
}

describe('POST /v1/batch', () => {
  it('classifies several photos in request order, each as /v1/classify does, and fails a truncated JPEG alone', async () => {
    const photos = [cat, spaniels, coffee, giraffeZebra].map((bytes, i) => uniqueCopy(bytes, `batch-classify-${i}`));
    const body = await ok(await postBatch(multipart([photos[0]!, photos[1]!, truncated, photos[2]!, photos[3]!], { task: 'classify', top_k: '3' })));
    expect(body.task).toBe('classify');
    expect(body.model).toBe('mobilenet-v2@1.0.0');
    expect(body.results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    expect(body.results[2]!.error).toMatchObject({ status: 422, code: 'corrupt_image' });
    // MobileNetV2's graph has a fixed batch of 1: the misses run one at a time, and the answer says so.
    expect(body.batch).toMatchObject({ images: 5, session_runs_batched: 0, images_batched: 0 });
    expect(body.batch.sequential_reason).toMatch(/fixed batch dimension of 1/);
    const ok4 = body.results.filter((r) => !r.error);
    expect(ok4.map((r) => r.cache)).toEqual(['MISS', 'MISS', 'MISS', 'MISS']);
    expect((ok4[0]!.labels as Array<{ label: string }>)[0]!.label).toMatch(/cat/);
    for (const [k, photo] of photos.entries()) {
      const alone = await single<{ labels: unknown; image: unknown }>('/v1/classify?top_k=3', photo);
      expect(ok4[k]!.labels).toEqual(alone.labels);
      expect(ok4[k]!.image).toEqual(alone.image);
    }
  });

  it('caches each image by its own content hash, shared with the single route', async () => {
    const a = uniqueCopy(cat, 'batch-cache-a');
    const b = uniqueCopy(spaniels, 'batch-cache-b');
    const first = await ok(await postBatch(multipart([a, b], { task: 'moderate' })));
    expect(first.results.map((r) => r.cache)).toEqual(['MISS', 'MISS']);
    // A single request for one of them is answered from the batch's cache entry.
    const alone = await untilHit(() => postImage('/v1/moderate', b));
    const aloneBody = (await alone.json()) as { categories: unknown; flagged: boolean };
    expect(aloneBody.categories).toEqual(first.results[1]!.categories);
    expect(aloneBody.flagged).toBe(first.results[1]!.flagged);
    // The same batch again (one new image beside them): the old ones are hits, the new one a miss.
    const c = uniqueCopy(giraffeZebra, 'batch-cache-c');
    const again = await untilHit(() => postBatch(multipart([a, b], { task: 'moderate' })));
    expect(again.headers.get('x-cache')).toBe('HIT');
    const mixed = await ok(await postBatch(multipart([a, c, b], { task: 'moderate' })));
    expect(mixed.results.map((r) => r.cache)).toEqual(['HIT', 'MISS', 'HIT']);
  });

  it('takes JSON with base64 and URL images and reports bad items one by one', async () => {
    const response = await postJson('/v1/batch', {
      task: 'classify',
      top_k: 2,
      images: [{ base64: toBase64(uniqueCopy(tulips, 'batch-json')) }, { url: `${origin}/ingest/photo.jpg` }, { base64: toBase64(svg) }, { url: 'https://127.0.0.1/x.jpg' }, { path: '/etc/passwd' }],
    });
    const body = await ok(response);
    expect(body.results).toHaveLength(5);
    expect(body.results[0]!.labels).toHaveLength(2);
    expect(body.results[1]!.image).toMatchObject({ format: 'jpeg', width: 640 });
    expect(body.results[2]!.error).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    expect(body.results[3]!.error).toMatchObject({ status: 400, code: 'url_not_allowed' });
    expect(body.results[4]!.error).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(response.headers.get('server-timing')).toMatch(/fetch;dur=/);
  });

  it('runs one session for all misses when the graph has a dynamic batch (mobileclip-test), with the single route\'s answers', async () => {
    const photos = [cat, coffee, giraffeZebra].map((bytes, i) => uniqueCopy(bytes, `batch-embed-${i}`));
    const response = await postBatch(multipart(photos, { task: 'embed', model: 'mobileclip-test' }));
    const body = await ok(response);
    expect(body.batch).toMatchObject({ images: 3, session_runs_batched: 1, images_batched: 3 });
    expect(body.batch.sequential_reason).toBeUndefined();
    expect(response.headers.get('server-timing')).toMatch(/infer;dur=[\d.]+;desc="mobileclip-test x3"/);
    for (const [k, photo] of photos.entries()) {
      const alone = await single<{ embedding: number[] }>('/v1/embed?model=mobileclip-test', photo);
      const batched = body.results[k]!.embedding as number[];
      expect(batched).toHaveLength(512);
      batched.forEach((v, i) => expect(Math.abs(v - alone.embedding[i]!)).toBeLessThan(1e-5));
    }
  });

  it('refuses a bad envelope before reading any image', async () => {
    await expectProblem(await postBatch(multipart([cat], { task: 'paint' })), 400, 'invalid_request');
    await expectProblem(await postBatch(multipart([cat], {})), 400, 'invalid_request');
    await expectProblem(await postBatch(multipart([cat], { task: 'classify', top_k: '0' })), 400, 'invalid_request');
    await expectProblem(await postBatch(multipart([cat], { task: 'classify', colour: 'red' })), 400, 'invalid_request');
    await expectProblem(await postBatch(multipart([], { task: 'classify' })), 400, 'empty_body');
    await expectProblem(await postImage('/v1/batch?task=classify', cat, 'image/jpeg'), 400, 'invalid_request');
    await expectProblem(await postJson('/v1/batch', { task: 'classify', images: 'cat.jpg' }), 400, 'invalid_request');
  });

  it('caps the number of images and their bytes together', async () => {
    const many = Array.from({ length: 17 }, () => cat);
    const tooMany = await expectProblem(await postBatch(multipart(many, { task: 'classify' })), 413, 'payload_too_large');
    expect(tooMany.detail).toMatch(/at most 16 images/);
    // Two images of 8 MiB each: each under the 15 MiB image cap, together over the batch's.
    const big = new Uint8Array(8 * 1024 * 1024);
    big.set(cat);
    await expectProblem(await postBatch(multipart([big, big], { task: 'classify' })), 413, 'payload_too_large');
  });
});
