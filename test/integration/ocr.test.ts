import { describe, expect, it } from 'vitest';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import worker from '../../functions/api/index.ts';
import { call, expectProblem, postImage, uniqueCopy } from '../support/client.ts';
import { cer } from '../../shared/tasks/ocr/cer.ts';
import page from '../fixtures/photos/page-english-text.png?bytes';
import pageText from '../fixtures/photos/page-english-text.txt?raw';
import chinese from '../fixtures/ocr/chinese-line.png?bytes';
import chineseText from '../fixtures/ocr/chinese-line.txt?raw';

interface Read {
  text: string;
  lines: Array<{ text: string; score: number; box: { xmin: number; ymin: number; xmax: number; ymax: number } }>;
  model: string;
  image: { width: number; height: number };
}

async function ocr(bytes: Uint8Array): Promise<Read> {
  const response = await postImage('/v1/ocr', bytes);
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text) as Read;
}

describe('POST /v1/ocr (PP-OCRv4 in onnxruntime-web inside workerd)', () => {
  it('reads a photographed English page with a character error rate under 5%', async () => {
    const result = await ocr(page);
    const rate = cer(pageText, result.text);
    expect(rate, result.text).toBeLessThan(0.05);
    expect(result.lines.length).toBeGreaterThanOrEqual(6);
    for (const line of result.lines) {
      expect(line.box.xmax).toBeLessThanOrEqual(result.image.width);
      expect(line.box.ymax).toBeLessThanOrEqual(result.image.height);
    }
    // Reading order: lines come top to bottom.
    const tops = result.lines.map((l) => l.box.ymin);
    expect(tops[tops.length - 1]!).toBeGreaterThan(tops[0]!);
  });

  it('reads Chinese', async () => {
    const result = await ocr(chinese);
    expect(cer(chineseText, result.text)).toBeLessThan(0.05);
  });

  it('runs in the OCR Worker: the API isolate never loads an OCR model', async () => {
    const response = await postImage('/v1/ocr', uniqueCopy(chinese, 'ocr-split'));
    expect(response.status).toBe(200);
    expect(response.headers.get('server-timing')).toMatch(/(^|, )ocr\.ocr-det;dur=/);
    const health = (await (await call('/healthz')).json()) as { isolate: { models: Array<{ model: string }> } };
    expect(health.isolate.models.map((m) => m.model).filter((m) => m.startsWith('ppocr'))).toEqual([]);
  });

  it('answers 503 backend_unavailable, uncached, when the OCR Worker cannot be reached', async () => {
    const unreachable = { fetch: () => Promise.reject(new Error('connection refused')) } as unknown as Fetcher;
    const image = uniqueCopy(chinese, 'ocr-down');
    const request = () => new Request('https://api.test/v1/ocr', { method: 'POST', body: image });
    const ctx = createExecutionContext();
    const down = await worker.fetch(request(), { ...env, OCR_WORKER: unreachable }, ctx);
    await waitOnExecutionContext(ctx);
    const problem = await expectProblem(down, 503, 'backend_unavailable');
    expect(problem.detail).toContain('OCR_WORKER');
    // The failure was not cached: with the Worker back, the same image is read.
    const back = await postImage('/v1/ocr', image);
    expect(back.status).toBe(200);
    expect(back.headers.get('x-cache')).toBe('MISS');
  });
});
