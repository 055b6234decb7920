import { describe, expect, it } from 'vitest';
import catRotated from '../fixtures/photos/cat-chelsea-exif-orientation-6.jpg?bytes';
import dogBicycleTruck from '../fixtures/photos/dog-bicycle-truck.jpg?bytes';
import { call, expectProblem, postImage, postJson, toBase64 } from '../support/client.ts';
import { backendCalls, ownModels, postImageWith, scripted } from './backend-fixtures.ts';

interface Detected {
  objects: Array<{ label: string; score: number; box: { xmin: number; ymin: number; xmax: number; ymax: number } }>;
  model: string;
  image: { sha256: string; width: number; height: number; format: string };
}

describe('POST /v1/detect?backend=gpu (DETR on the GPU backend)', () => {
  it('answers the edge detector\'s shape from the DETR endpoint', async () => {
    const image = scripted(dogBicycleTruck, 'ok');
    const response = await postImage('/v1/detect?backend=gpu', image);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-cache')).toBe('MISS');
    const body = (await response.json()) as Detected;
    expect(body.model).toBe('hf:fake/detr-resnet-50');
    expect(body.image).toMatchObject({ width: 768, height: 576, format: 'jpeg' });
    expect(body.objects.map((o) => o.label)).toEqual(['dog', 'bicycle', 'truck']);
    for (const { box } of body.objects) {
      for (const v of Object.values(box)) expect(Number.isInteger(v)).toBe(true);
      expect(box.xmax).toBeLessThanOrEqual(768);
      expect(box.ymax).toBeLessThanOrEqual(576);
    }
    // Same keys as the edge detector's answer.
    const edge = (await (await postImage('/v1/detect', image)).json()) as Detected;
    expect(Object.keys(body).sort()).toEqual(Object.keys(edge).sort());
    expect(Object.keys(body.objects[0]!).sort()).toEqual(Object.keys(edge.objects[0]!).sort());
  });

  it('applies threshold and max to the cached answer: one backend call for every threshold', async () => {
    const image = scripted(dogBicycleTruck, 'ok');
    expect(((await (await postImage('/v1/detect?backend=gpu', image)).json()) as Detected).objects).toHaveLength(3);
    const strict = await postJson('/v1/detect', { image: { base64: toBase64(image) }, backend: 'gpu', threshold: 0.9, max: 1 });
    expect(strict.headers.get('x-cache')).toBe('HIT');
    expect(((await strict.json()) as Detected).objects.map((o) => o.label)).toEqual(['dog']);
    expect(await backendCalls(image)).toEqual({ detr: 1 });
  });

  it('keeps boxes in the upright image of an EXIF-rotated photo', async () => {
    const image = scripted(catRotated, 'ok');
    const body = (await (await postImage('/v1/detect?backend=gpu', image)).json()) as Detected;
    expect(body.image).toMatchObject({ width: 451, height: 300 });
    for (const { box } of body.objects) {
      expect(box.xmax).toBeLessThanOrEqual(451);
      expect(box.ymax).toBeLessThanOrEqual(300);
    }
  });

  it('answers 502 for boxes outside the image or unusable labels, and caches neither', async () => {
    const outside = scripted(dogBicycleTruck, 'outofrange', 'ok');
    const models = ownModels('detect-malformed');
    const problem = await expectProblem(await postImageWith(models, '/v1/detect?backend=gpu', outside), 502, 'backend_failed');
    expect(problem.detail).toContain('outside the 768x576 image');
    expect((await postImageWith(models, '/v1/detect?backend=gpu', outside)).status).toBe(200);
    const badLabel = scripted(dogBicycleTruck, 'badlabel');
    await expectProblem(await postImageWith(models, '/v1/detect?backend=gpu', badLabel), 502, 'backend_failed');
    expect(await backendCalls(outside)).toEqual({ detr: 2 });
  });

  it('auto and edge use the edge detector; gpu refuses an edge model id', async () => {
    const image = scripted(dogBicycleTruck, 'ok');
    const auto = (await (await postImage('/v1/detect?backend=auto', image)).json()) as Detected;
    expect(auto.model).toMatch(/^yolox-nano@/);
    expect(await backendCalls(image)).toEqual({});
    expect((await expectProblem(await postImage('/v1/detect?backend=gpu&model=yolox-nano', image), 400, 'invalid_request')).field).toBe('model');
    expect((await expectProblem(await postImage('/v1/detect?backend=cloud', image), 400, 'invalid_request')).field).toBe('backend');
    const analyze = await call('/v1/analyze', { method: 'POST', body: JSON.stringify({ image: { base64: toBase64(image) }, features: ['objects'], objects: { backend: 'gpu' } }), headers: { 'content-type': 'application/json' } });
    expect((await expectProblem(analyze, 400, 'invalid_request')).field).toBe('backend');
  });

  it('answers 503 backend_unavailable without a backend', async () => {
    await expectProblem(await postImageWith({ BACKEND: 'none' }, '/v1/detect?backend=gpu', dogBicycleTruck), 503, 'backend_unavailable');
  });
});
