// MobileCLIP's API surface end to end inside workerd, on the generated test model
// (models/mobileclip-test: MobileCLIP-S0's I/O, random weights that only tell colours
// apart; listed in test builds only), and the not-installed path of the real one.
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import testManifest from '../../models/mobileclip-test/manifest.json';
import textModelBytes from '../../models/mobileclip-test/text_model.onnx?bytes';
import { solidPng } from '../support/solid-png.ts';
import { call, expectProblem, postImage, postJson, untilHit } from '../support/client.ts';

const MODEL = 'mobileclip-test';
const MODEL_NAME = `${MODEL}@${testManifest.version}`;
const COLOURS = { red: [255, 0, 0], green: [0, 255, 0], blue: [0, 0, 255] } as const;
/** Per run, so cache assertions never meet entries of an earlier run. */
const RUN = crypto.randomUUID().slice(0, 8);

beforeAll(async () => {
  // The text encoder is `"store": "r2"`, like the real MobileCLIP text tower (42.8 MB,
  // over the 25 MiB asset limit): put it where `npm run models:upload` would.
  await env.MODEL_BUCKET.put(`${MODEL}/${testManifest.files.text.path}`, textModelBytes);
});

// ---- helpers ----
type TextEmbedded = { embeddings: number[][]; dim: number; model: string };
type ZeroShot = { labels: Array<{ label: string; score: number }>; multi_label: boolean; model: string };

async function ok<T>(response: Response): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text) as T;
}

const norm = (v: number[]) => Math.hypot(...v);
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);


describe('POST /v1/embed/text (mobileclip-test)', () => {
  it('tokenises, runs the text graph and returns L2-normalised 512-d embeddings, in order', async () => {
    const texts = ['a photo of red.', 'a photo of green.', `a photo of a cat ${RUN}`];
    const response = await postJson('/v1/embed/text', { text: texts, model: MODEL });
    const body = await ok<TextEmbedded>(response);
    expect(response.headers.get('x-cache')).toBe('MISS');
    expect(body.model).toBe(MODEL_NAME);
    expect(body.dim).toBe(512);
    expect(body.embeddings).toHaveLength(3);
    for (const e of body.embeddings) {
      expect(e).toHaveLength(512);
      expect(norm(e)).toBeCloseTo(1, 5);
    }
    // Distinct texts, distinct vectors (red and green are nearly orthogonal in this graph).
    expect(Math.abs(dot(body.embeddings[0]!, body.embeddings[1]!))).toBeLessThan(0.2);
    expect(response.headers.get('server-timing')).toMatch(/infer;dur=/);
  });

  it('caches per text: a repeat is a HIT, a batch with one new text computes only that one', async () => {
    const known = [`first ${RUN}`, `second ${RUN}`];
    const first = await ok<TextEmbedded>(await postJson('/v1/embed/text', { text: known, model: MODEL }));
    const hit = await untilHit(() => postJson('/v1/embed/text', { text: known, model: MODEL }));
    expect(hit.headers.get('x-cache-hits')).toBe('2/2');
    expect(hit.headers.get('server-timing')).not.toMatch(/infer;dur=/);
    expect((await hit.json()) as TextEmbedded).toEqual(first);

    const mixed = await postJson('/v1/embed/text', { text: [known[1], `third ${RUN}`, known[0]], model: MODEL });
    expect(mixed.headers.get('x-cache')).toBe('MISS');
    expect(mixed.headers.get('x-cache-hits')).toBe('2/3');
    const body = await ok<TextEmbedded>(mixed);
    // Cached vectors are stored as float32 bytes: exactly what was computed.
    expect(body.embeddings[0]).toEqual(first.embeddings[1]);
    expect(body.embeddings[2]).toEqual(first.embeddings[0]);
  });

  it('computes a text repeated within one batch once, and answers it at every position', async () => {
    const text = `repeated ${RUN}`;
    const body = await ok<TextEmbedded>(await postJson('/v1/embed/text', { text: [text, text], model: MODEL }));
    expect(body.embeddings[0]).toEqual(body.embeddings[1]);
  });

  it('validates the request and names the field at fault', async () => {
    const tooMany = Array.from({ length: 33 }, (_, i) => `t${i}`);
    expect((await expectProblem(await postJson('/v1/embed/text', { text: tooMany, model: MODEL }), 400, 'invalid_request')).field).toBe('text');
    expect((await expectProblem(await postJson('/v1/embed/text', { text: ['ok', 'x'.repeat(1001)], model: MODEL }), 400, 'invalid_request')).field).toBe('text.1');
    expect((await expectProblem(await postJson('/v1/embed/text', { text: [], model: MODEL }), 400, 'invalid_request')).field).toBe('text');
    expect((await expectProblem(await postJson('/v1/embed/text', { text: 'not an array', model: MODEL }), 400, 'invalid_request')).field).toBe('text');
    expect((await expectProblem(await postJson('/v1/embed/text', { text: ['a'], colour: 1 }), 400, 'invalid_request')).field).toBe('colour');
    // A model without a text tower.
    expect((await expectProblem(await postJson('/v1/embed/text', { text: ['a'], model: 'mobilenet-v2-features' }), 400, 'invalid_request')).field).toBe('model');
    await expectProblem(await call('/v1/embed/text', { method: 'POST', body: '{not json', headers: { 'content-type': 'application/json' } }), 400, 'invalid_request');
    await expectProblem(await call('/v1/embed/text', { method: 'POST' }), 400, 'empty_body');
  });
});

describe('POST /v1/embed?model=mobileclip-test (image tower)', () => {
  it('embeds an image with MobileCLIP preprocessing (256 crop, x/255, NCHW float32), close to its colour word', async () => {
    const image = await ok<{ embedding: number[]; dim: number; model: string }>(await postImage(`/v1/embed?model=${MODEL}`, await solidPng(COLOURS.red)));
    expect(image.model).toBe(MODEL_NAME);
    expect(image.dim).toBe(512);
    expect(norm(image.embedding)).toBeCloseTo(1, 5);
    const text = await ok<TextEmbedded>(await postJson('/v1/embed/text', { text: ['a photo of red.', 'a photo of blue.'], model: MODEL }));
    expect(dot(image.embedding, text.embeddings[0]!)).toBeGreaterThan(0.9);
    expect(Math.abs(dot(image.embedding, text.embeddings[1]!))).toBeLessThan(0.2);
  });
});

describe('POST /v1/zero-shot (mobileclip-test)', () => {
  const labels = ['red', 'green', 'blue'];

  it('ranks the colour of a solid image first with a softmax over 100 x cosine', async () => {
    for (const [colour, rgb] of Object.entries(COLOURS)) {
      const body = await ok<ZeroShot>(await postImage(`/v1/zero-shot?model=${MODEL}&candidate_labels=${labels.join(',')}`, await solidPng(rgb)));
      expect(body.model).toBe(MODEL_NAME);
      expect(body.multi_label).toBe(false);
      expect(body.labels.map((l) => l.label)[0]).toBe(colour);
      expect(body.labels[0]!.score).toBeGreaterThan(0.99);
      expect(body.labels.reduce((s, l) => s + l.score, 0)).toBeCloseTo(1, 5);
    }
  });

  it('keeps labels in order when their texts run in several encoder batches (text.maxBatch 3 here, 11 labels)', async () => {
    // Each colour sits in a different batch of 3 (the template makes every sentence new to the cache):
    // a mix-up between batches would rank another label first.
    const many = [`chair ${RUN}`, 'red', `table ${RUN}`, `lamp ${RUN}`, `door ${RUN}`, 'green', `shelf ${RUN}`, `floor ${RUN}`, `wall ${RUN}`, 'blue', `roof ${RUN}`];
    for (const [colour, rgb] of Object.entries(COLOURS)) {
      const body = await ok<ZeroShot>(await postJson('/v1/zero-shot', { image: { base64: btoa(String.fromCharCode(...(await solidPng(rgb)))) }, candidate_labels: many, hypothesis_template: `a {} picture ${RUN}`, model: MODEL }));
      expect(body.labels).toHaveLength(many.length);
      expect(body.labels[0]!.label).toBe(colour);
    }
  });

  it('scores labels independently with multi_label, from JSON with a template', async () => {
    const png = await solidPng(COLOURS.green);
    const base64 = btoa(String.fromCharCode(...png));
    const body = await ok<ZeroShot>(
      await postJson('/v1/zero-shot', { image: { base64 }, candidate_labels: ['blue', 'green', 'red'], hypothesis_template: 'a {} picture', multi_label: true, model: MODEL }),
    );
    expect(body.multi_label).toBe(true);
    expect(body.labels[0]).toMatchObject({ label: 'green' });
    expect(body.labels[0]!.score).toBeGreaterThan(0.9);
    for (const l of body.labels.slice(1)) expect(l.score).toBeLessThan(0.1);
  });

  it('shares the image embedding with /v1/embed and the label texts with /v1/embed/text: a repeat is a HIT', async () => {
    const png = await solidPng([250, 10, 10 + (parseInt(RUN, 16) % 200)]);
    const send = () => postImage(`/v1/zero-shot?model=${MODEL}&candidate_labels=${labels.join(',')}`, png);
    const first = await send();
    expect(first.headers.get('x-cache')).toBe('MISS');
    const firstBody = await ok<ZeroShot>(first);
    const hit = await untilHit(send);
    expect(((await hit.json()) as ZeroShot).labels).toEqual(firstBody.labels);
    // The image embedding it used is the /v1/embed cache entry.
    const embed = await postImage(`/v1/embed?model=${MODEL}`, png);
    expect(embed.headers.get('x-cache')).toBe('HIT');
  });

  it('validates labels, template and multi_label', async () => {
    const png = await solidPng(COLOURS.blue);
    const post = (query: string) => postImage(`/v1/zero-shot?model=${MODEL}&${query}`, png);
    expect((await expectProblem(await post(''), 400, 'invalid_request')).field).toBe('candidate_labels');
    expect((await expectProblem(await post(`candidate_labels=${Array.from({ length: 101 }, (_, i) => `l${i}`).join(',')}`), 400, 'invalid_request')).field).toBe('candidate_labels');
    expect((await expectProblem(await post('candidate_labels=red,red'), 400, 'invalid_request')).field).toBe('candidate_labels');
    expect((await expectProblem(await post('candidate_labels=red&hypothesis_template=no+slot'), 400, 'invalid_request')).field).toBe('hypothesis_template');
    expect((await expectProblem(await post('candidate_labels=red&multi_label=maybe'), 400, 'invalid_request')).field).toBe('multi_label');
    // A JSON array in the query string is accepted too (labels may contain commas).
    const body = await ok<ZeroShot>(await post(`candidate_labels=${encodeURIComponent('["blue, navy","red"]')}&multi_label=false`));
    expect(body.labels[0]!.label).toBe('blue, navy');
  });
});

describe('MobileCLIP-S0 without its weights', () => {
  const pull = 'npm run models:pull -- mobileclip-s0';

  it('answers 503 model_not_installed with the pull command, on every MobileCLIP route', async () => {
    const png = await solidPng(COLOURS.red);
    const problems = [
      await expectProblem(await postJson('/v1/embed/text', { text: ['a photo of a cat'] }), 503, 'model_not_installed'),
      await expectProblem(await postImage('/v1/zero-shot?candidate_labels=cat,dog', png), 503, 'model_not_installed'),
      await expectProblem(await postImage('/v1/embed?model=mobileclip-s0', png), 503, 'model_not_installed'),
    ];
    for (const problem of problems) {
      expect(problem.detail).toContain(pull);
      expect(problem).toMatchObject({ model: 'mobileclip-s0', install: pull });
    }
  });

  it('is listed as not installed, while the test model (weights in assets and R2) is installed', async () => {
    const body = (await (await call('/v1/models')).json()) as { models: Array<{ id: string; installed: boolean; task: string }> };
    expect(body.models.find((m) => m.id === 'mobileclip-s0')).toMatchObject({ installed: false, task: 'embed' });
    expect(body.models.find((m) => m.id === MODEL)).toMatchObject({ installed: true });
  });

  it('leaves the other models working', async () => {
    const body = await ok<{ embedding: number[]; model: string }>(await postImage('/v1/embed', await solidPng(COLOURS.blue)));
    expect(body.model).toMatch(/^mobilenet-v2-features@/);
  });
});
