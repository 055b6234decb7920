import { describe, expect, it } from 'vitest';
import dogBicycleTruck from '../fixtures/photos/dog-bicycle-truck.jpg?bytes';
import { expectProblem, postJson, toBase64, untilHit } from '../support/client.ts';
import { backendCalls, postImageWith, scripted } from './backend-fixtures.ts';

interface Vqa {
  answers: Array<{ answer: string; score: number | null }>;
  source: string;
}

const ask = (image: Uint8Array, question: string, extra: Record<string, unknown> = {}) => postJson('/v1/vqa', { image: { base64: toBase64(image) }, question, ...extra });

describe('POST /v1/vqa', () => {
  it('answers from the VQA endpoint, best first, with scores and source', async () => {
    const image = scripted(dogBicycleTruck, 'ok');
    const response = await ask(image, 'How many wheels does the bicycle have?');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-cache')).toBe('MISS');
    expect(await response.json()).toEqual({
      answers: [
        { answer: '2', score: 0.91 },
        { answer: '3', score: 0.05 },
        { answer: '1', score: 0.03 },
      ],
      source: 'hf:fake/vilt-vqa',
    });
    const top1 = (await (await ask(image, 'What colour is the bicycle?', { top_k: 1 })).json()) as Vqa;
    expect(top1.answers).toEqual([{ answer: 'red', score: 0.83 }]);
  });

  it('caches by image and question hash: the same question is a hit, another question a new call', async () => {
    const image = scripted(dogBicycleTruck, 'ok');
    expect((await ask(image, 'Is there a dog?')).status).toBe(200);
    // Whitespace does not make a new question.
    const hit = await untilHit(() => ask(image, '  Is there   a dog? '));
    expect(((await hit.json()) as Vqa).answers[0]).toEqual({ answer: 'yes', score: 0.88 });
    expect(await backendCalls(image)).toEqual({ vqa: 1 });
    expect((await ask(image, 'Is there a cat?')).headers.get('x-cache')).toBe('MISS');
    expect(await backendCalls(image)).toEqual({ vqa: 2 });
  });

  it('asks the vision chat model when no VQA endpoint is set (one answer, no score)', async () => {
    const image = scripted(dogBicycleTruck, 'ok');
    const response = await postImageWith({ HF_VQA_URL: '', HF_VQA_MODEL: '' }, `/v1/vqa?question=${encodeURIComponent('How many dogs are there?')}`, image);
    expect(await response.json()).toEqual({ answers: [{ answer: 'Two.', score: null }], source: 'hf:fake/vision-chat' });
    expect(await backendCalls(image)).toEqual({ chat: 1 });
  });

  it('limits the question and names the field at fault', async () => {
    expect((await expectProblem(await ask(dogBicycleTruck, 'x'.repeat(301)), 400, 'invalid_request')).field).toBe('question');
    expect((await expectProblem(await ask(dogBicycleTruck, '   '), 400, 'invalid_request')).field).toBe('question');
    expect((await expectProblem(await postJson('/v1/vqa', { image: { base64: toBase64(dogBicycleTruck) } }), 400, 'invalid_request')).field).toBe('question');
    expect((await expectProblem(await ask(dogBicycleTruck, 'Why?', { top_k: 50 }), 400, 'invalid_request')).field).toBe('top_k');
  });

  it('answers 503 backend_unavailable without a backend: VQA has no edge fallback', async () => {
    const image = scripted(dogBicycleTruck, 'ok');
    const problem = await expectProblem(await postImageWith({ BACKEND: 'none' }, '/v1/vqa?question=What%3F', image), 503, 'backend_unavailable');
    expect(problem.detail).toContain('BACKEND = "none"');
    expect(await backendCalls(image)).toEqual({});
  });
});
