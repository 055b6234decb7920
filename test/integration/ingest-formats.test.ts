import { describe, expect, it } from 'vitest';
import { call, expectProblem, hamming, postImage, postJson, toBase64 } from '../support/client.ts';
import photoJpg from '../fixtures/ingest/photo.jpg?bytes';
import photoProgressive from '../fixtures/ingest/photo-progressive.jpg?bytes';
import photoPng from '../fixtures/ingest/photo.png?bytes';
import photoWebp from '../fixtures/ingest/photo.webp?bytes';
import losslessWebp from '../fixtures/ingest/photo-lossless.webp?bytes';
import alphaPng from '../fixtures/ingest/alpha.png?bytes';
import alphaWebp from '../fixtures/ingest/alpha.webp?bytes';
import greyPng from '../fixtures/ingest/grey.png?bytes';
import greyJpg from '../fixtures/ingest/grey.jpg?bytes';
import palettePng from '../fixtures/ingest/palette.png?bytes';
import deepPng from '../fixtures/ingest/deep16.png?bytes';
import interlacedPng from '../fixtures/ingest/interlaced.png?bytes';
import stillGif from '../fixtures/ingest/still.gif?bytes';
import animatedGif from '../fixtures/ingest/animated.gif?bytes';
import animatedWebp from '../fixtures/ingest/animated.webp?bytes';
import bigTextPng from '../fixtures/ingest/big-text-chunk.png?bytes';

interface Inspected {
  image: { sha256: string; width: number; height: number; format: string; animated?: true };
  phash: string;
  frames: number;
  progressive: boolean;
  model: string;
}

async function inspect(bytes: Uint8Array, contentType?: string): Promise<Inspected> {
  const response = await postImage('/v1/inspect', bytes, contentType);
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text) as Inspected;
}

describe('formats read from the bytes', () => {
  it.each([
    ['baseline JPEG', photoJpg, 'jpeg'],
    ['progressive JPEG', photoProgressive, 'jpeg'],
    ['greyscale JPEG', greyJpg, 'jpeg'],
    ['PNG', photoPng, 'png'],
    ['PNG with alpha', alphaPng, 'png'],
    ['greyscale PNG', greyPng, 'png'],
    ['palette PNG', palettePng, 'png'],
    ['16-bit PNG', deepPng, 'png'],
    ['interlaced PNG', interlacedPng, 'png'],
    ['PNG with a large metadata chunk', bigTextPng, 'png'],
    ['lossy WebP', photoWebp, 'webp'],
    ['lossless WebP', losslessWebp, 'webp'],
    ['WebP with alpha', alphaWebp, 'webp'],
    ['GIF', stillGif, 'gif'],
  ])('decodes %s', async (_name, bytes, format) => {
    const result = await inspect(bytes);
    expect(result.image.format).toBe(format);
    expect(result.image.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result.phash).toMatch(/^[0-9a-f]{16}$/);
    expect(result.image.animated).toBeUndefined();
  });

  it('gives the same perceptual hash to the same picture in every format', async () => {
    const hashes = await Promise.all([photoJpg, photoProgressive, photoPng, photoWebp, losslessWebp].map(async (b) => (await inspect(b)).phash));
    const distances = hashes.map((h) => hamming(h, hashes[0]!));
    expect(Math.max(...distances)).toBeLessThanOrEqual(4);
  });

  it.each([
    ['GIF', animatedGif, 'gif'],
    ['WebP', animatedWebp, 'webp'],
  ])('reads the first frame of an animated %s and says it is animated', async (_name, bytes, format) => {
    const result = await inspect(bytes);
    expect(result.image).toMatchObject({ format, width: 160, height: 120, animated: true });
    expect(result.frames).toBe(3);
  });

  it('decodes by what the bytes are, not by the Content-Type', async () => {
    const result = await inspect(photoPng, 'image/jpeg');
    expect(result.image.format).toBe('png');
  });

  it('accepts multipart, base64 JSON and raw bytes alike, with the same content hash', async () => {
    const form = new FormData();
    form.append('image', new Blob([photoJpg], { type: 'image/jpeg' }), 'photo.jpg');
    const multipart = await call('/v1/inspect', { method: 'POST', body: form });
    const json = await postJson('/v1/inspect', { image: { base64: toBase64(photoJpg) } });
    const dataUrl = await postJson('/v1/inspect', { image: { base64: `data:image/jpeg;base64,${toBase64(photoJpg)}` } });
    const raw = await postImage('/v1/inspect', photoJpg, 'image/jpeg');
    const hashes = await Promise.all([multipart, json, dataUrl, raw].map(async (r) => {
      expect(r.status).toBe(200);
      return ((await r.json()) as Inspected).image.sha256;
    }));
    expect(new Set(hashes).size).toBe(1);
  });
});


describe('errors are problem+json with stable codes', () => {
  it('refuses unknown parameters, naming them', async () => {
    const problem = await expectProblem(await postImage('/v1/inspect?colour=red', photoJpg), 400, 'invalid_request');
    expect(problem.field).toBe('colour');
  });

  it('refuses a parameter given twice', async () => {
    const response = await call('/v1/inspect?x=1', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image: { base64: toBase64(photoJpg) }, x: 2 }),
    });
    await expectProblem(response, 400, 'invalid_request');
  });
});
