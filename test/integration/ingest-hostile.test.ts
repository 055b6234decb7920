import { describe, expect, it } from 'vitest';
import { call, expectProblem, postImage, postJson } from '../support/client.ts';
import photoJpg from '../fixtures/ingest/photo.jpg?bytes';
import cmykJpg from '../fixtures/ingest/cmyk.jpg?bytes';
import truncatedJpg from '../fixtures/ingest/truncated.jpg?bytes';
import truncatedProgressive from '../fixtures/ingest/truncated-progressive.jpg?bytes';
import truncatedPng from '../fixtures/ingest/truncated.png?bytes';
import truncatedGif from '../fixtures/ingest/truncated.gif?bytes';
import truncatedWebp from '../fixtures/ingest/truncated.webp?bytes';
import bombJpg from '../fixtures/ingest/bomb.jpg?bytes';
import bombPng from '../fixtures/ingest/bomb.png?bytes';
import bombGif from '../fixtures/ingest/bomb.gif?bytes';
import svg from '../fixtures/ingest/image.svg?bytes';
import tiff from '../fixtures/ingest/image.tiff?bytes';
import avif from '../fixtures/ingest/image.avif?bytes';
import pdf from '../fixtures/ingest/document.pdf?bytes';

// Rows of ../shared/notes/bad-inputs.md that apply to ingestion, each answered
// before or instead of a decode, and the isolate still serving afterwards.
describe('hostile and broken inputs', () => {
  it('answers an empty body with 400 before any decode', async () => {
    await expectProblem(await postImage('/v1/inspect', new Uint8Array(0)), 400, 'empty_body');
    await expectProblem(await call('/v1/inspect', { method: 'POST' }), 400, 'empty_body');
  });

  it('answers a body over the byte cap with 413, counted while streaming, without reading it all', async () => {
    let pulled = 0;
    const chunk = new Uint8Array(1024 * 1024);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 64) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const response = await call('/v1/inspect', { method: 'POST', body, headers: { 'content-type': 'image/jpeg' } });
    const problem = await expectProblem(response, 413, 'payload_too_large');
    expect(problem.detail).toContain('15728640');
    expect(pulled).toBeLessThan(20);
  });

  it('answers a declared Content-Length over the cap with 413 at once', async () => {
    const response = await call('/v1/inspect', {
      method: 'POST',
      body: new Uint8Array(16),
      headers: { 'content-type': 'image/jpeg', 'content-length': String(100 * 1024 * 1024) },
    });
    await expectProblem(response, 413, 'payload_too_large');
  });

  it.each([
    ['SVG', svg, 'SVG'],
    ['TIFF', tiff, 'TIFF'],
    ['AVIF', avif, 'HEIC/AVIF'],
    ['PDF', pdf, 'PDF'],
    ['text', new TextEncoder().encode('hello, world'), 'not a recognised image'],
  ])('answers %s with 415, whatever the Content-Type says', async (_name, bytes, mention) => {
    const problem = await expectProblem(await postImage('/v1/inspect', bytes, 'image/jpeg'), 415, 'unsupported_media_type');
    expect(problem.detail).toContain(mention);
  });

  it('says plainly that CMYK JPEG is not supported (415), never returning wrong colours', async () => {
    const problem = await expectProblem(await postImage('/v1/inspect', cmykJpg), 415, 'unsupported_media_type');
    expect(problem.detail).toMatch(/CMYK/);
  });

  it.each([
    ['JPEG', truncatedJpg],
    ['progressive JPEG', truncatedProgressive],
    ['PNG', truncatedPng],
    ['GIF', truncatedGif],
    ['WebP', truncatedWebp],
  ])('answers a truncated %s with 422 and never caches it', async (_name, bytes) => {
    const first = await postImage('/v1/inspect', bytes);
    const problem = await expectProblem(first, 422, 'corrupt_image');
    expect(problem.detail).toMatch(/truncated/i);
    await expectProblem(await postImage('/v1/inspect', bytes), 422, 'corrupt_image');
  });

  it.each([
    ['JPEG', bombJpg],
    ['PNG', bombPng],
    ['GIF', bombGif],
  ])('answers a %s header claiming 65535x65535 with 422 from the header alone, in milliseconds', async (_name, bytes) => {
    const start = performance.now();
    const problem = await expectProblem(await postImage('/v1/inspect', bytes), 422, 'image_too_large');
    expect(performance.now() - start).toBeLessThan(200);
    expect(problem.detail).toContain('65535x65535');
    expect(problem.detail).toMatch(/limit is \d+ pixels/);
  });

  it('answers malformed JSON, a missing image and unknown image fields with 400 naming the field', async () => {
    const malformed = await call('/v1/inspect', { method: 'POST', body: '{"image": ', headers: { 'content-type': 'application/json' } });
    await expectProblem(malformed, 400, 'invalid_request');
    expect((await expectProblem(await postJson('/v1/inspect', {}), 400, 'invalid_request')).field).toBe('image');
    expect((await expectProblem(await postJson('/v1/inspect', { image: { path: '/etc/passwd' } }), 400, 'invalid_request')).field).toBe('image.path');
    expect((await expectProblem(await postJson('/v1/inspect', { image: { base64: '!!!' } }), 400, 'invalid_request')).field).toBe('image.base64');
    expect((await expectProblem(await postJson('/v1/inspect', [1, 2]), 400, 'invalid_request')).field).toBe('image');
  });

  it('rejects random bytes and flipped headers without crashing, then keeps serving', async () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 40; i++) {
      const mutated = photoJpg.slice(0, 4096 + Math.floor(rand() * 8192));
      for (let k = 0; k < 8; k++) mutated[Math.floor(rand() * mutated.length)] = Math.floor(rand() * 256);
      const response = await postImage('/v1/inspect', mutated);
      expect(response.status, await response.text()).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
    const healthy = await postImage('/v1/inspect', photoJpg);
    expect(healthy.status).toBe(200);
  });
});
