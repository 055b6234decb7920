import { describe, expect, inject, it } from 'vitest';
import personDogHorse from '../fixtures/photos/person-dog-horse.jpg?bytes';
import { postImageWith } from './backend-fixtures.ts';

/**
 * A live smoke test against Hugging Face: runs only when HF_TOKEN is set in the
 * environment of `npm test` (e.g. `HF_TOKEN=hf_... npx vitest run test/integration/backend-live.test.ts`),
 * through the HF router with a vision chat model (HF_LIVE_CHAT_MODEL, default
 * Qwen/Qwen2.5-VL-7B-Instruct). Skipped otherwise, with a message.
 */
const live = inject('hfLive');
if (!live.token) console.warn('backend-live: HF_TOKEN is not set; skipping the live Hugging Face smoke test.');

const LIVE = {
  BACKEND: 'hf',
  HF_TOKEN: live.token,
  HF_CAPTION_URL: '',
  HF_CAPTION_MODEL: '',
  HF_VQA_URL: '',
  HF_VQA_MODEL: '',
  HF_DETECT_URL: '',
  HF_DETECT_MODEL: '',
  HF_CHAT_URL: '',
  HF_CHAT_MODEL: live.chatModel || 'Qwen/Qwen2.5-VL-7B-Instruct',
  BACKEND_BUDGET_MS: '60000',
};

describe.skipIf(!live.token)('live Hugging Face backend (HF_TOKEN set)', () => {
  it('captions a real photo through the router with a vision chat model', { timeout: 90_000 }, async () => {
    const response = await postImageWith(LIVE, '/v1/caption?fallback=none', personDogHorse);
    const text = await response.text();
    expect(response.status, text).toBe(200);
    const body = JSON.parse(text) as { caption: string; alt_text: string; source: string };
    expect(body.source).toBe(`hf:${LIVE.HF_CHAT_MODEL}`);
    expect(body.alt_text.length).toBeGreaterThan(5);
    expect(body.alt_text.length).toBeLessThanOrEqual(125);
    console.log('live caption:', body);
  });

  it('answers a question about it', { timeout: 90_000 }, async () => {
    const response = await postImageWith(LIVE, `/v1/vqa?question=${encodeURIComponent('Which animals are in the picture?')}`, personDogHorse);
    const text = await response.text();
    expect(response.status, text).toBe(200);
    console.log('live answer:', text);
  });
});
