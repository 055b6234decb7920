import { describe, expect, it } from 'vitest';
import { expectProblem, postImage, uniqueCopy } from '../support/client.ts';
import classifyGolden from '../golden/mobilenet-v2.json';
import embedGolden from '../golden/mobilenet-v2-features.json';
import moderateGolden from '../golden/nsfw-mobilenet-v2.json';
import cat from '../fixtures/photos/cat-chelsea.jpg?bytes';
import catRotated from '../fixtures/photos/cat-chelsea-exif-orientation-6.jpg?bytes';
import spaniels from '../fixtures/photos/dogs-two-spaniels.jpg?bytes';
import coffee from '../fixtures/photos/coffee-cup-saucer.png?bytes';
import giraffeZebra from '../fixtures/photos/giraffe-zebra.jpg?bytes';
import rocket from '../fixtures/photos/rocket-launch-falcon9.jpg?bytes';

const PHOTOS: Record<string, Uint8Array> = {
  'test/fixtures/photos/cat-chelsea.jpg': cat,
  'test/fixtures/photos/dogs-two-spaniels.jpg': spaniels,
  'test/fixtures/photos/coffee-cup-saucer.png': coffee,
  'test/fixtures/photos/giraffe-zebra.jpg': giraffeZebra,
  'test/fixtures/photos/rocket-launch-falcon9.jpg': rocket,
};

async function post<T>(path: string, bytes: Uint8Array): Promise<{ body: T; response: Response }> {
  const response = await postImage(path, bytes);
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return { body: JSON.parse(text) as T, response };
}

type Labels = { labels: Array<{ label: string; score: number }>; model: string };
type Embedded = { embedding: number[]; dim: number; model: string };
type Moderated = { categories: Record<string, number>; flagged: boolean; flagged_categories: string[]; thresholds: Record<string, number> };

// Tolerances against native onnxruntime-node on the same pixels: the uint8
// models are integer arithmetic up to requantisation, so 1e-3 on
// probabilities and 2e-3 per embedding component is generous.
describe('POST /v1/classify (MobileNetV2 uint8, ImageNet)', () => {
  it('puts a cat class first for the cat photo, upright or EXIF-rotated', async () => {
    for (const bytes of [cat, catRotated]) {
      const { body } = await post<Labels>('/v1/classify', bytes);
      expect(body.model).toBe('mobilenet-v2@1.0.0');
      expect(body.labels).toHaveLength(5);
      expect(body.labels[0]!.label).toMatch(/cat/);
    }
  });

  it('never returns the background class and honours top_k', async () => {
    const { body } = await post<Labels>('/v1/classify?top_k=100', coffee);
    expect(body.labels).toHaveLength(100);
    expect(body.labels.map((l) => l.label)).not.toContain('background');
    await expectProblem(await postImage('/v1/classify?top_k=0', coffee), 400, 'invalid_request');
  });

  it.each(classifyGolden.cases.map((c) => [c.photo, c.output.labels] as const))('matches the native reference on %s', async (photo, expected) => {
    const { body } = await post<Labels>('/v1/classify', PHOTOS[photo]!);
    expect(body.labels.map((l) => l.label)).toEqual(expected.map((l) => l.label));
    body.labels.forEach((l, i) => expect(Math.abs(l.score - expected[i]!.score)).toBeLessThan(1e-3));
  });
});

describe('POST /v1/embed (MobileNetV2 pooled features)', () => {
  it.each(embedGolden.cases.map((c) => [c.photo, c.output.embedding] as const))('matches the native reference on %s', async (photo, expected) => {
    const { body } = await post<Embedded>('/v1/embed', PHOTOS[photo]!);
    expect(body.dim).toBe(1280);
    expect(body.embedding).toHaveLength(1280);
    const norm = Math.sqrt(body.embedding.reduce((s, v) => s + v * v, 0));
    expect(norm).toBeCloseTo(1, 5);
    const maxDiff = Math.max(...body.embedding.map((v, i) => Math.abs(v - expected[i]!)));
    expect(maxDiff).toBeLessThan(2e-3);
  });

  it('places the same picture closer to itself re-encoded than to other pictures', async () => {
    const embed = async (bytes: Uint8Array) => (await post<Embedded>('/v1/embed', bytes)).body.embedding;
    const [a, b, c] = await Promise.all([embed(cat), embed(catRotated), embed(coffee)]);
    const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i]!, 0);
    expect(dot(a, b)).toBeGreaterThan(0.9);
    expect(dot(a, c)).toBeLessThan(dot(a, b) - 0.2);
  });

  it('serves a cached embedding exactly as computed (binary KV value)', async () => {
    const image = uniqueCopy(cat, 'embed-cache');
    const first = await post<Embedded>('/v1/embed', image);
    let second = await post<Embedded>('/v1/embed', image);
    for (let i = 0; i < 50 && second.response.headers.get('x-cache') !== 'HIT'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      second = await post<Embedded>('/v1/embed', image);
    }
    expect(second.response.headers.get('x-cache')).toBe('HIT');
    expect(second.body.embedding).toEqual(first.body.embedding);
  });
});

describe('POST /v1/moderate (nsfwjs MobileNetV2)', () => {
  it.each(moderateGolden.cases.map((c) => [c.photo, c.output.categories] as const))('matches the native reference on %s', async (photo, expected) => {
    const { body } = await post<Moderated>('/v1/moderate', PHOTOS[photo]!);
    expect(Object.keys(body.categories).sort()).toEqual(['drawing', 'hentai', 'neutral', 'porn', 'sexy']);
    for (const [category, score] of Object.entries(expected)) expect(Math.abs(body.categories[category]! - score)).toBeLessThan(1e-3);
    expect(body.flagged).toBe(false);
  });

  it('flags by the thresholds given, without a new inference', async () => {
    const { body } = await post<Moderated>('/v1/moderate', rocket);
    expect(body.flagged).toBe(false);
    const strict = await postImage(`/v1/moderate?thresholds=${encodeURIComponent('{"drawing":0.3}')}`, rocket);
    const verdict = (await strict.json()) as Moderated;
    expect(verdict.flagged).toBe(true);
    expect(verdict.flagged_categories).toEqual(['drawing']);
    expect(verdict.thresholds).toMatchObject({ drawing: 0.3, porn: 0.5 });
    await expectProblem(await postImage(`/v1/moderate?thresholds=${encodeURIComponent('{"porn":3}')}`, rocket), 400, 'invalid_request');
  });
});
