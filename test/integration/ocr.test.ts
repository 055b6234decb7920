import { describe, expect, it } from 'vitest';
import { postImage } from '../support/client.ts';
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
});
