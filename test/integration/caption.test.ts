import { describe, expect, it } from 'vitest';
import dogBicycleTruck from '../fixtures/photos/dog-bicycle-truck.jpg?bytes';
import { call, expectProblem, postImage, postJson, toBase64, untilHit } from '../support/client.ts';
import { backendCalls, backendLog, fakeHfOrigin, postImageWith, scripted } from './backend-fixtures.ts';

interface Caption {
  caption: string;
  alt_text: string;
  source: string;
  confidence: number;
}

describe('POST /v1/caption on the GPU backend (the fake HF server through @huggingface/inference)', () => {
  it('answers the captioner\'s sentence, cleaned into alt text, with its source', async () => {
    const image = scripted(dogBicycleTruck, 'ok');
    const response = await postImage('/v1/caption', image);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-cache')).toBe('MISS');
    expect(response.headers.get('content-language')).toBe('en');
    const body = (await response.json()) as Caption;
    // Exactly the contract the alt-text proxy relies on.
    expect(Object.keys(body).sort()).toEqual(['alt_text', 'caption', 'confidence', 'source']);
    expect(body.source).toBe('hf:fake/blip-caption');
    // "a photo of arafed dog ..." -> no "photo of", no BLIP artefact, one sentence.
    expect(body.alt_text).toBe('Dog sitting next to a red bicycle on a porch.');
    expect(body.caption).toBe(body.alt_text);
    expect(body.confidence).toBe(0.8);
    expect(await backendCalls(image)).toEqual({ caption: 1 });
  });

  it('serves a second request from KV without reaching the backend, for every style', async () => {
    const image = scripted(dogBicycleTruck, 'ok');
    expect((await postImage('/v1/caption', image)).status).toBe(200);
    const hit = await untilHit(() => postImage('/v1/caption', image));
    expect(((await hit.json()) as Caption).source).toBe('hf:fake/blip-caption');
    // A task captioner takes no prompt: one cached answer serves every style.
    const detailed = await postImage('/v1/caption?style=detailed', image);
    expect(detailed.headers.get('x-cache')).toBe('HIT');
    expect(await backendCalls(image)).toEqual({ caption: 1 });
  });

  it('shares one backend call between concurrent requests for the same image', async () => {
    const image = scripted(dogBicycleTruck, 'slow=400');
    const responses = await Promise.all(Array.from({ length: 5 }, () => postImage('/v1/caption', image)));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as Caption[];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(bodies.map((b) => b.source))).toEqual(new Set(['hf:fake/blip-caption']));
    expect(await backendCalls(image)).toEqual({ caption: 1 });
  });

  it('takes JSON and multipart like every image route, and logs each backend call without secrets', async () => {
    const image = scripted(dogBicycleTruck, 'ok');
    const { result, lines, raw } = await backendLog(() => postJson('/v1/caption', { image: { base64: toBase64(image) }, style: 'caption' }));
    expect(result.status).toBe(200);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ event: 'backend_call', backend: 'hf', model: 'fake/blip-caption', task: 'caption', outcome: 'ok', attempt: 1, host: new URL(fakeHfOrigin).host });
    expect(typeof lines[0]!.latency_ms).toBe('number');
    expect(raw.join('\n')).not.toContain('hf_fake_test_token');
    const form = new FormData();
    form.append('image', new Blob([image]));
    form.append('style', 'alt');
    const multipart = await call('/v1/caption', { method: 'POST', body: form });
    expect(multipart.status).toBe(200);
    expect(((await multipart.json()) as Caption).source).toBe('hf:fake/blip-caption');
  });

  it('asks a vision chat model for the style and language when no task captioner is set', async () => {
    const chatOnly = { HF_CAPTION_URL: '', HF_CAPTION_MODEL: '' };
    const image = scripted(dogBicycleTruck, 'ok');
    const english = await postImageWith(chatOnly, '/v1/caption', image);
    expect(await english.json()).toEqual({ caption: 'A dog sits beside a red bicycle on a porch.', alt_text: 'A dog sits beside a red bicycle on a porch.', source: 'hf:fake/vision-chat', confidence: 0.8 });
    const german = await postImageWith(chatOnly, '/v1/caption?lang=de', image);
    expect(german.headers.get('content-language')).toBe('de');
    expect(((await german.json()) as Caption).caption).toBe('Ein Hund sitzt neben einem roten Fahrrad auf einer Veranda.');
    const detailed = (await (await postImageWith(chatOnly, '/v1/caption?style=detailed', image)).json()) as Caption;
    expect(detailed.caption.split('. ').length).toBeGreaterThanOrEqual(3);
    expect(detailed.alt_text).toBe('A dog sits on a porch beside a red road bicycle.');
    // Style and language reach the prompt, so each is a cache entry (and a call) of its own.
    expect(await backendCalls(image)).toEqual({ chat: 3 });
  });

  it('rejects unknown styles, bad language tags and unknown parameters', async () => {
    await expectProblem(await postImage('/v1/caption?style=poem', dogBicycleTruck), 400, 'invalid_request');
    await expectProblem(await postImage('/v1/caption?lang=english!', dogBicycleTruck), 400, 'invalid_request');
    const unknown = await expectProblem(await postImage('/v1/caption?colour=red', dogBicycleTruck), 400, 'invalid_request');
    expect(unknown.field).toBe('colour');
  });
});
