// Node: the three PaddleOCR model folders are what their manifests say, the manifests pass the
// API's manifest schema, and the pipeline run with onnxruntime-node still gives test/golden/ocr/ppocr.json.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ModelManifest } from '../../../shared/models/manifest.ts';
import { cer } from '../../../shared/tasks/ocr/cer.ts';
import { recognizeText } from '../../../shared/tasks/ocr/ocr.ts';
import { decode, FIXTURES, loadModels } from './make-ocr-golden.ts';

const path = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
const MODELS = ['ppocr-v4-det', 'ppocr-v4-rec', 'ppocr-cls'];

describe('PaddleOCR model folders', () => {
  for (const id of MODELS) {
    const manifest = JSON.parse(readFileSync(path(`models/${id}/manifest.json`), 'utf8'));

    it(`${id}: files match the manifest's sizes and hashes, and the licence is there`, () => {
      for (const entry of Object.values(manifest.files) as Array<{ path: string; bytes: number; sha256: string }>) {
        const bytes = readFileSync(path(`models/${id}/${entry.path}`));
        expect(bytes.length, entry.path).toBe(entry.bytes);
        expect(createHash('sha256').update(bytes).digest('hex'), entry.path).toBe(entry.sha256);
      }
      expect(readFileSync(path(`models/${id}/${manifest.licenceFile}`), 'utf8')).toMatch(/Apache License[\s\S]*MIT License/);
    });

    it(`${id}: passes the shared manifest schema`, () => {
      const parsed = ModelManifest.safeParse(manifest);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    });
  }

  it('the recogniser has one class per dictionary entry, plus the blank and the space', async () => {
    const models = loadModels();
    expect(models.dictionary).toHaveLength(6623);
    expect(models.dictionary[5709]).toBe('\u3000');
    const session = await ort.InferenceSession.create(path('models/ppocr-v4-rec/model.onnx'));
    const out = await session.run({ x: new ort.Tensor('float32', new Float32Array(3 * 48 * 320), [1, 3, 48, 320]) });
    expect(out['softmax_11.tmp_0']!.dims[2]).toBe(6623 + 2);
  });
});

describe('OCR golden (onnxruntime-node)', () => {
  const golden = JSON.parse(readFileSync(path('test/golden/ocr/ppocr.json'), 'utf8')) as {
    cases: Array<{ image: string; reference: string; cer: number; text: string }>;
  };

  it('covers every fixture', () => {
    expect(golden.cases.map((c) => c.image)).toEqual(FIXTURES);
  });

  it('reads the photographed English page and the Chinese line under 5% CER', () => {
    const byImage = new Map(golden.cases.map((c) => [c.image, c]));
    expect(byImage.get('test/fixtures/photos/page-english-text.png')!.cer).toBeLessThan(0.05);
    expect(byImage.get('test/fixtures/ocr/chinese-line.png')!.cer).toBeLessThan(0.05);
  });

  it('gives the recorded text on every fixture', async () => {
    const models = loadModels();
    const sessions = {
      det: await ort.InferenceSession.create(path('models/ppocr-v4-det/model.onnx')),
      rec: await ort.InferenceSession.create(path('models/ppocr-v4-rec/model.onnx')),
      cls: await ort.InferenceSession.create(path('models/ppocr-cls/model.onnx')),
    };
    for (const c of golden.cases) {
      const result = await recognizeText(await decode(c.image), sessions, ort, models);
      expect(result.text, c.image).toBe(c.text);
      expect(cer(c.reference, result.text)).toBeCloseTo(c.cer, 4);
    }
  });
});
