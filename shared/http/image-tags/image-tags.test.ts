import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { Hono } from 'hono';
import { describe, expect, inject, it } from 'vitest';
import worker from '../../../functions/api/index.ts';
import cat from '../../../test/fixtures/photos/cat-chelsea.jpg?bytes';
import dogs from '../../../test/fixtures/photos/dogs-two-spaniels.jpg?bytes';
import giraffe from '../../../test/fixtures/photos/giraffe-zebra.jpg?bytes';
import { uniqueCopy } from '../../../test/support/client.ts';
import { onError } from '../problem-handler.ts';
import { imageTags, PLACEHOLDER_SVG, type ImageTagsOptions } from './image-tags.ts';
import { visionAnalyzer } from './vision-analyzer.ts';

/**
 * The tagging middleware on a small app of its own, as another Worker would
 * mount it, with the real API Worker (real models) behind the analyzer, and
 * GET /v1/tag, which mounts it on the API itself.
 */
interface TestEnv {
  Bindings: Env;
}

/** The API Worker as a service binding would reach it. */
const vision = { fetch: (input: RequestInfo, init?: RequestInit) => worker.fetch(new Request(input, init), env, createExecutionContext()) } as unknown as Fetcher;

function site(options: Partial<ImageTagsOptions<TestEnv>> & { images: Record<string, { bytes: Uint8Array; type: string }> }) {
  const calls = { analyses: 0 };
  const analyze = visionAnalyzer(vision);
  const app = new Hono<TestEnv>();
  app.onError(onError);
  app.use(
    '/img/*',
    imageTags<TestEnv>({
      analyze: () => async (bytes) => {
        calls.analyses++;
        return analyze(bytes);
      },
      cache: (c) => ({ kv: c.env.CACHE, ttlSeconds: 600, variant: 'test' }),
      ...options,
    }),
  );
  app.get('/img/:name', (c) => {
    const image = options.images[c.req.param('name')];
    return image ? c.body(image.bytes as Uint8Array<ArrayBuffer>, 200, { 'content-type': image.type }) : c.notFound();
  });
  const get = async (path: string) => {
    const ctx = createExecutionContext();
    const response = await app.fetch(new Request(`https://site.test${path}`), env, ctx);
    const body = new Uint8Array(await response.arrayBuffer());
    await waitOnExecutionContext(ctx);
    return { response, body };
  };
  return { get, calls };
}

const tagsOf = (header: string | null) => [...(header ?? '').matchAll(/"([^"]*)";score=([0-9.]+)/g)].map((m) => ({ label: m[1]!, score: Number(m[2]) }));

describe('imageTags middleware', () => {
  it('adds the tags and the moderation verdict, and serves the next request from the content-hash cache', async () => {
    const photo = uniqueCopy(cat, `tags-${crypto.randomUUID()}`);
    const { get, calls } = site({ images: { 'cat.jpg': { bytes: photo, type: 'image/jpeg' }, 'copy.jpg': { bytes: photo, type: 'image/jpeg' } } });
    const first = await get('/img/cat.jpg');
    expect(first.response.status).toBe(200);
    expect(first.body).toEqual(photo);
    const tags = tagsOf(first.response.headers.get('x-image-tags'));
    expect(tags).toHaveLength(5);
    expect(tags[0]!.label).toMatch(/cat/);
    expect(first.response.headers.get('x-image-moderation')).toMatch(/^safe;drawing=[0-9.]+;hentai=[0-9.]+;neutral=0\.9\d*;porn=[0-9.]+;sexy=[0-9.]+$/);

    // The same bytes under another URL: same headers, no new analysis.
    const again = await get('/img/copy.jpg');
    expect(again.response.headers.get('x-image-tags')).toBe(first.response.headers.get('x-image-tags'));
    expect(calls.analyses).toBe(1);
  });

  it('replaces a flagged image with a placeholder, or answers 451, as the policy says', async () => {
    // Thresholds that flag an ordinary photo as "neutral": the policy, not the model, is under test.
    const strict = visionAnalyzer(vision, { thresholds: { neutral: 0.05 } });
    const images = { 'dogs.jpg': { bytes: uniqueCopy(dogs, crypto.randomUUID()), type: 'image/jpeg' } };
    const placeholder = await site({ images, analyze: () => strict, policy: () => 'placeholder' }).get('/img/dogs.jpg');
    expect(placeholder.response.status).toBe(200);
    expect(placeholder.response.headers.get('content-type')).toBe('image/svg+xml');
    expect(new TextDecoder().decode(placeholder.body)).toBe(PLACEHOLDER_SVG);
    expect(placeholder.response.headers.get('x-image-moderation')).toMatch(/^flagged;by="neutral";/);

    const blocked = await site({ images, analyze: () => strict, policy: () => 'block' }).get('/img/dogs.jpg');
    expect(blocked.response.status).toBe(451);
    expect(blocked.response.headers.get('content-type')).toBe('application/problem+json');
    expect(JSON.parse(new TextDecoder().decode(blocked.body))).toMatchObject({ status: 451, code: 'content_blocked' });
    expect(blocked.response.headers.get('x-image-tags')).toMatch(/score=/);

    // The same image under `pass` goes out as it is, with the verdict in the header.
    const passed = await site({ images, analyze: () => strict, policy: () => 'pass' }).get('/img/dogs.jpg');
    expect(passed.body).toEqual(images['dogs.jpg'].bytes);
    expect(passed.response.headers.get('x-image-moderation')).toMatch(/^flagged/);
  });

  it('in background mode sends a new image at once and tags it for its next request', async () => {
    const photo = uniqueCopy(giraffe, crypto.randomUUID());
    const { get, calls } = site({ images: { 'g.jpg': { bytes: photo, type: 'image/jpeg' } }, onMiss: 'background' });
    const first = await get('/img/g.jpg');
    expect(first.body).toEqual(photo);
    expect(first.response.headers.get('x-image-tags')).toBeNull();
    const second = await get('/img/g.jpg');
    expect(tagsOf(second.response.headers.get('x-image-tags')).length).toBe(5);
    expect(calls.analyses).toBe(1);
  });

  it('leaves other responses alone: non-images, unread formats, oversized images, errors', async () => {
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>');
    const notAnImage = new TextEncoder().encode('this is not a jpeg');
    const { get, calls } = site({
      images: { 'a.svg': { bytes: svg, type: 'image/svg+xml' }, 'big.jpg': { bytes: cat, type: 'image/jpeg' }, 'fake.jpg': { bytes: notAnImage, type: 'image/jpeg' } },
      maxBytes: 1000,
    });
    const vector = await get('/img/a.svg');
    expect(vector.body).toEqual(svg);
    expect(vector.response.headers.get('x-image-tags')).toBeNull();
    const big = await get('/img/big.jpg');
    expect(big.body).toEqual(cat);
    expect(big.response.headers.get('x-image-tags')).toBeNull();
    expect((await get('/img/missing.jpg')).response.status).toBe(404);
    expect(calls.analyses).toBe(0);

    // Bytes the models refuse: the image is still served, untagged.
    const fake = await site({ images: { 'fake.jpg': { bytes: notAnImage, type: 'image/jpeg' } } }).get('/img/fake.jpg');
    expect(fake.response.status).toBe(200);
    expect(fake.body).toEqual(notAnImage);
    expect(fake.response.headers.get('x-image-tags')).toBeNull();
  });
});

describe('GET /v1/tag', () => {
  const origin = inject('fixtureOrigin');
  const call = (path: string) => worker.fetch(new Request(`https://api.test${path}`), env, createExecutionContext());

  it('returns the image with its tags and verdict', async () => {
    const response = await call(`/v1/tag?url=${encodeURIComponent(`${origin}/photos/cat-chelsea.jpg`)}&top_k=3`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(cat);
    const tags = tagsOf(response.headers.get('x-image-tags'));
    expect(tags).toHaveLength(3);
    expect(tags[0]!.label).toMatch(/cat/);
    expect(response.headers.get('x-image-moderation')).toMatch(/^safe;/);
  });

  it('answers problems for bad URLs and non-images', async () => {
    const refused = await call(`/v1/tag?url=${encodeURIComponent('http://169.254.169.254/latest')}`);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { code: string }).code).toBe('url_not_allowed');
    const text = await call(`/v1/tag?url=${encodeURIComponent(`${origin}/photos/SOURCES.md`)}`);
    expect(text.status).toBe(415);
    const missing = await call('/v1/tag');
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { field: string }).field).toBe('url');
  });
});

