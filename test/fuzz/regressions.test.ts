import { describe, expect, it } from 'vitest';
import { call } from '../support/client.ts';
import cat from '../fixtures/photos/cat-chelsea.jpg?bytes';
import crasher from './crashers/cold-model-decode-fails-grey.bin?bytes';

/** The answer, or 'no answer' after `ms`: a hang must fail the test, not stall it. */
async function within(ms: number, request: Promise<Response>): Promise<Response | 'no answer'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const result = await Promise.race([request, new Promise<'no answer'>((resolve) => (timer = setTimeout(() => resolve('no answer'), ms)))]);
  clearTimeout(timer);
  return result;
}

const post = (path: string, body: Uint8Array) => call(path, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });

/**
 * Found by `npm run fuzz` (seed 7, case 33): on a cold model, an image whose
 * header passes but whose decode fails answers 422 while the model load it
 * started (in parallel with the decode) is still fetching weights. workerd
 * cancels a request's I/O once it has answered, so that load never settled
 * and every later request for the model in the isolate hung. Each test file
 * runs with fresh module state, so the models start cold here.
 */
describe('fuzz regressions', () => {
  for (const route of ['/v1/classify', '/v1/detect']) {
    it(`${route}: a decode failure on a cold model does not stall the model for later requests`, { timeout: 60_000 }, async () => {
      const bad = await within(20_000, post(route, crasher));
      expect(bad === 'no answer' ? bad : bad.status).toBe(422);
      if (bad !== 'no answer') expect(((await bad.json()) as { code: string }).code).toBe('corrupt_image');
      const good = await within(20_000, post(route, cat));
      expect(good === 'no answer' ? good : good.status).toBe(200);
    });
  }
});
