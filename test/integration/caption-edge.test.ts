import { describe, expect, it } from 'vitest';
import cat from '../fixtures/photos/cat-chelsea.jpg?bytes';
import spaniels from '../fixtures/photos/dogs-two-spaniels.jpg?bytes';
import giraffe from '../fixtures/photos/giraffe-zebra.jpg?bytes';
import horses from '../fixtures/photos/horses-herd.jpg?bytes';
import page from '../fixtures/photos/page-english-text.png?bytes';
import personDogHorse from '../fixtures/photos/person-dog-horse.jpg?bytes';
import { expectProblem, uniqueCopy } from '../support/client.ts';
import { backendCalls, callWith, postImageWith, scripted } from './backend-fixtures.ts';

/**
 * BACKEND = "none" (the `npm run dev` default): /v1/caption composes its
 * answer from the edge models, on real photos (test/fixtures/photos/SOURCES.md
 * says what each shows). These run the real classifier, detector and OCR.
 */
const NONE = { BACKEND: 'none' };

interface Caption {
  caption: string;
  alt_text: string;
  source: string;
  confidence: number;
}

async function edgeCaption(bytes: Uint8Array, style = 'alt'): Promise<Caption> {
  const response = await postImageWith(NONE, `/v1/caption?style=${style}`, bytes);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-language')).toBe('en');
  const body = (await response.json()) as Caption;
  expect(body.source).toBe('edge');
  expect(body.confidence).toBeGreaterThan(0);
  expect(body.confidence).toBeLessThanOrEqual(0.6);
  expect(body.alt_text.length).toBeLessThanOrEqual(125);
  expect(body.alt_text).not.toMatch(/\b(image|picture|photo) of\b/i);
  return body;
}

describe('POST /v1/caption with no backend (edge caption)', () => {
  it('names the person, the dog and the horse the detector found', async () => {
    // SOURCES.md: 1 person, 1 dog, 1 white horse on grassland.
    expect((await edgeCaption(personDogHorse)).alt_text).toBe('A person, a dog and a horse.');
  });

  it('counts objects and names a kind the classifier is sure of', async () => {
    // SOURCES.md: 2 cocker spaniels in a doorway; the classifier says "cocker spaniel" at 0.94.
    expect((await edgeCaption(spaniels)).alt_text).toBe('Two cocker spaniels.');
    // A herd of at least 5 horses: the detector is sure of 3 of them; the caption says what it found, no more.
    expect((await edgeCaption(horses)).alt_text).toMatch(/^(Three|Four|Five|Six|Seven) horses\.$/);
    expect((await edgeCaption(giraffe)).alt_text).toBe('A giraffe and a zebra.');
  });

  it('names a close-up cat without guessing its kind from a classifier that is not sure (tiger cat 0.55)', async () => {
    expect((await edgeCaption(cat)).alt_text).toBe('A cat.');
  });

  it('answers the text itself as the alt text of an image of text', async () => {
    const body = await edgeCaption(page);
    expect(body.alt_text).toMatch(/^Region-based segmentation Let us first determine markers of the coins/);
    const caption = await edgeCaption(page, 'caption');
    expect(caption.caption).toMatch(/^Text reading “Region-based segmentation/);
  });

  it('adds what else the models suggested in the detailed style', async () => {
    const body = await edgeCaption(personDogHorse, 'detailed');
    expect(body.caption).toMatch(/^A person, a dog and a horse\. The classifier also suggests /);
    expect(body.alt_text).toBe('A person, a dog and a horse.');
  });

  it('reuses the cached edge sections: a second request is a cache hit', async () => {
    const image = uniqueCopy(giraffe, `edge-hit-${Math.random()}`);
    const first = await postImageWith(NONE, '/v1/caption', image);
    expect(first.headers.get('x-cache')).toBe('MISS');
    const second = await postImageWith(NONE, '/v1/caption', image);
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(await second.json()).toEqual(await first.json());
    // The same entries /v1/classify and /v1/detect answer from.
    const classify = await postImageWith(NONE, '/v1/classify', image);
    expect(classify.headers.get('x-cache')).toBe('HIT');
  });

  it('never calls a backend, and fallback=none answers 503 backend_unavailable', async () => {
    const image = scripted(personDogHorse, 'ok');
    await edgeCaption(image);
    const problem = await expectProblem(await postImageWith(NONE, '/v1/caption?fallback=none', image), 503, 'backend_unavailable');
    expect(problem.detail).toContain('BACKEND = "none"');
    expect(await backendCalls(image)).toEqual({});
  });

  it('is a feature of /v1/analyze (opt-in) with the same answer as /v1/caption', async () => {
    const image = uniqueCopy(personDogHorse, `analyze-caption-${Math.random()}`);
    const analyzed = await callWith(NONE, '/v1/analyze?features=tags,objects,caption', { method: 'POST', body: image });
    expect(analyzed.status).toBe(200);
    const body = (await analyzed.json()) as { caption: Caption; models: Record<string, string>; cache: Record<string, string> };
    expect(body.caption).toMatchObject({ alt_text: 'A person, a dog and a horse.', source: 'edge' });
    expect(body.models.caption).toBe('edge');
    const alone = await postImageWith(NONE, '/v1/caption', image);
    expect(alone.headers.get('x-cache')).toBe('HIT');
    expect(await alone.json()).toEqual(body.caption);
    // Not in the default features.
    const defaults = (await (await callWith(NONE, '/v1/analyze', { method: 'POST', body: image })).json()) as Record<string, unknown>;
    expect(defaults.caption).toBeUndefined();
  });
});
