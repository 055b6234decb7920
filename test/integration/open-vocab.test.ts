// Open-vocabulary tags end to end inside workerd: /v1/classify with an image-text
// model and no labels, on the generated test model (MobileCLIP-S0's I/O, random
// weights that only tell colours apart) and its tag embeddings, computed from its
// text tower by models/tools/vocabulary/embed-tags.ts before the tests start.
import { describe, expect, it } from 'vitest';
import openVocabulary from '../../models/open-vocabulary/models.json';
import vocabulary from '../../models/open-vocabulary/tags.json';
import cat from '../fixtures/photos/cat-chelsea.jpg?bytes';
import { call, expectProblem, postImage, postJson, toBase64, uniqueCopy, untilHit } from '../support/client.ts';
import { solidPng } from '../support/solid-png.ts';

const MODEL = 'mobileclip-test';
const TAGS = openVocabulary[MODEL].files.tags;
const TAG_SET = `tags-${TAGS.sha256.slice(0, 12)}`;
const RUN = crypto.randomUUID().slice(0, 8);
const THRESHOLD = openVocabulary[MODEL].tags.threshold;

type Classified = { labels: Array<{ label: string; score: number }>; model: string };

async function ok<T>(response: Response): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text) as T;
}

const classify = (png: Uint8Array, query = '') => postImage(`/v1/classify?model=${MODEL}${query}`, png);
const hasWord = (tag: string, word: string) => new RegExp(`\\b${word}\\b`).test(tag);

describe('POST /v1/classify?model=mobileclip-test (open vocabulary)', () => {
  it('tags a red image with the vocabulary entries that name red, calibrated and best first', async () => {
    const body = await ok<Classified>(await classify(await solidPng([255, 0, 0]), '&top_k=20'));
    expect(body.model).toBe(`${MODEL}@1+${TAG_SET}`);
    expect(body.labels.length).toBeGreaterThanOrEqual(3);
    for (const { label, score } of body.labels) {
      expect(hasWord(label, 'red'), label).toBe(true);
      expect(score).toBeGreaterThanOrEqual(THRESHOLD);
      expect(score).toBeLessThanOrEqual(1);
    }
    const scores = body.labels.map((l) => l.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // Every answer is a tag of the committed vocabulary.
    const names = new Set(vocabulary.tags.map((t) => t.tag));
    for (const { label } of body.labels) expect(names.has(label)).toBe(true);
  });

  it('gives each colour its own tags', async () => {
    for (const [word, rgb] of [['green', [0, 255, 0]], ['blue', [0, 0, 255]]] as const) {
      const body = await ok<Classified>(await classify(await solidPng(rgb), '&top_k=3'));
      expect(body.labels).toHaveLength(3);
      for (const { label } of body.labels) expect(hasWord(label, word), label).toBe(true);
    }
  });

  it('answers "no confident tag" (an empty list) for a grey image, and the best guesses when asked with min_score=0', async () => {
    const grey = await solidPng([128, 128, 128]);
    expect((await ok<Classified>(await classify(grey))).labels).toEqual([]);
    const guesses = await ok<Classified>(await classify(grey, '&min_score=0&top_k=4'));
    expect(guesses.labels).toHaveLength(4);
    for (const { score } of guesses.labels) expect(score).toBeLessThan(THRESHOLD);
  });

  it('applies min_score and top_k from JSON too', async () => {
    const png = await solidPng([255, 0, 0]);
    const body = await ok<Classified>(await postJson('/v1/classify', { image: { base64: toBase64(png) }, model: MODEL, top_k: 2, min_score: 0.9 }));
    expect(body.labels).toHaveLength(2);
    for (const { score } of body.labels) expect(score).toBeGreaterThanOrEqual(0.9);
    expect((await expectProblem(await classify(png, '&min_score=2'), 400, 'invalid_request')).field).toBe('min_score');
  });

  it('runs a real photo through decode, the image tower and the tag matrix', async () => {
    const body = await ok<Classified>(await classify(uniqueCopy(cat, RUN), '&min_score=0&top_k=5'));
    expect(body.labels).toHaveLength(5);
    expect(body.labels.map((l) => l.score)).toEqual([...body.labels.map((l) => l.score)].sort((a, b) => b - a));
  });

  it('caches the tags and shares the image embedding with /v1/embed', async () => {
    const png = await solidPng([255, 0, (parseInt(RUN, 16) % 50) + 1]);
    const first = await classify(png);
    expect(first.headers.get('x-cache')).toBe('MISS');
    const firstBody = await ok<Classified>(first);
    const hit = await untilHit(() => classify(png));
    expect(((await hit.json()) as Classified).labels).toEqual(firstBody.labels);
    expect((await untilHit(() => postImage(`/v1/embed?model=${MODEL}`, png))).headers.get('x-cache')).toBe('HIT');
  });

  it('leaves the ImageNet classifier as the default, with min_score applying to it too', async () => {
    const body = await ok<Classified>(await postImage('/v1/classify?top_k=5', cat));
    expect(body.model).toMatch(/^mobilenet-v2@/);
    expect(body.labels[0]!.label).toMatch(/cat/);
    const confident = await ok<Classified>(await postImage('/v1/classify?top_k=5&min_score=0.2', cat));
    expect(confident.labels.length).toBeLessThan(5);
    for (const { score } of confident.labels) expect(score).toBeGreaterThanOrEqual(0.2);
  });

  it('refuses a model that neither classifies nor has tags', async () => {
    expect((await expectProblem(await postImage('/v1/classify?model=mobilenet-v2-features', cat), 400, 'invalid_request')).field).toBe('model');
  });
});

describe('open-vocabulary tags of MobileCLIP-S0 without its weights', () => {
  it('answer 503 model_not_installed with the pull command', async () => {
    const problem = await expectProblem(await postImage('/v1/classify?model=mobileclip-s0', cat), 503, 'model_not_installed');
    expect(problem.detail).toContain('npm run models:pull -- mobileclip-s0');
  });

  it('are listed as a classifier', async () => {
    const problem = await expectProblem(await postImage('/v1/classify?model=nope', cat), 400, 'invalid_request');
    expect(problem.detail).toMatch(/mobilenet-v2, mobileclip-s0, mobileclip-test/);
    const models = (await (await call('/v1/models')).json()) as { models: Array<{ id: string; installed: boolean }> };
    expect(models.models.find((m) => m.id === 'mobileclip-s0')?.installed).toBe(false);
  });
});
