import { describe, expect, it } from 'vitest';
import { expectProblem, postImage, postJson, toBase64, uniqueCopy } from '../support/client.ts';
import dogBicycleTruck from '../fixtures/photos/dog-bicycle-truck.jpg?bytes';
import chineseLine from '../fixtures/ocr/chinese-line.png?bytes';
import chineseText from '../fixtures/ocr/chinese-line.txt?raw';
import { cer } from '../../shared/tasks/ocr/cer.ts';

interface Analyzed {
  tags?: Array<{ label: string; score: number }>;
  objects?: Array<{ label: string }>;
  faces?: unknown[];
  text?: { text: string; lines: unknown[] };
  moderation?: { categories: Record<string, number>; flagged: boolean };
  embedding?: { embedding: number[]; dim: number };
  phash: string;
  models: Record<string, string>;
  cache: Record<string, 'HIT' | 'MISS'>;
  image: { sha256: string };
}

async function analyze(bytes: Uint8Array, query = ''): Promise<{ body: Analyzed; response: Response }> {
  const response = await postImage(`/v1/analyze${query}`, bytes);
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return { body: JSON.parse(text) as Analyzed, response };
}

async function settle(): Promise<void> {
  // Cache writes land after the response (waitUntil).
  await new Promise((resolve) => setTimeout(resolve, 200));
}

describe('POST /v1/analyze', () => {
  it('returns every edge feature from one upload, with the model behind each section', async () => {
    const { body, response } = await analyze(uniqueCopy(dogBicycleTruck, 'analyze-all'));
    expect(body.tags!.length).toBe(5);
    expect(body.objects!.map((o) => o.label)).toEqual(expect.arrayContaining(['dog', 'bicycle']));
    expect(body.moderation!.flagged).toBe(false);
    expect(body.embedding!.dim).toBe(1280);
    expect(body.phash).toMatch(/^[0-9a-f]{16}$/);
    expect(body.models).toEqual({
      tags: 'mobilenet-v2@1.0.0',
      objects: 'yolox-nano@1.0.0',
      faces: 'blazeface@front-1.0.0+back-1.0.0',
      text: expect.stringMatching(/^ppocr-v4@/),
      moderation: 'nsfw-mobilenet-v2@1.0.0',
      embedding: 'mobilenet-v2-features@1.0.0',
    });
    const timing = response.headers.get('server-timing')!;
    expect(body.faces).toEqual([]);
    for (const feature of ['tags', 'objects', 'faces', 'text', 'moderation', 'embedding']) expect(timing).toContain(`feature.${feature};dur=`);
    // One decode for all sections in this isolate; the OCR Worker decoded its own copy.
    expect(timing.match(/(^|, )decode;/g)).toHaveLength(1);
    expect(timing).toMatch(/(^|, )ocr\.ocr-det;dur=/);
  });

  it('reads the text of an image of text in the OCR Worker, beside the local sections', async () => {
    const { body } = await analyze(uniqueCopy(chineseLine, 'analyze-text'), '?features=text,tags');
    expect(cer(chineseText, body.text!.text)).toBeLessThan(0.05);
    expect(body.tags!.length).toBeGreaterThan(0);
    expect(body.cache).toEqual({ text: 'MISS', tags: 'MISS' });
  });

  it('computes only what is new on a second call with more features, and shares entries with the single routes', async () => {
    const image = uniqueCopy(dogBicycleTruck, 'analyze-incremental');
    const first = await analyze(image, '?features=tags');
    expect(first.body.cache).toEqual({ tags: 'MISS' });
    expect(first.body.objects).toBeUndefined();
    await settle();
    const second = await analyze(image, '?features=tags,objects');
    expect(second.body.cache).toEqual({ tags: 'HIT', objects: 'MISS' });
    expect(second.response.headers.get('x-cache')).toBe('MISS');
    await settle();
    const single = await postImage('/v1/detect', image);
    expect(single.headers.get('x-cache')).toBe('HIT');
    const third = await analyze(image, '?features=objects,tags');
    expect(third.response.headers.get('x-cache')).toBe('HIT');
    expect(third.response.headers.get('server-timing')).not.toMatch(/decode;/);
  });

  it('takes per-section parameters in JSON and refuses unknown features', async () => {
    const response = await postJson('/v1/analyze', { image: { base64: toBase64(dogBicycleTruck) }, features: ['tags'], tags: { top_k: 2 } });
    expect(((await response.json()) as Analyzed).tags).toHaveLength(2);
    const problem = await expectProblem(await postImage('/v1/analyze?features=tags,colour', dogBicycleTruck), 400, 'invalid_request');
    expect(problem.field).toMatch(/features/);
    await expectProblem(await postJson('/v1/analyze', { image: { base64: toBase64(dogBicycleTruck) }, tags: { top_k: 0 } }), 400, 'invalid_request');
  });
});
