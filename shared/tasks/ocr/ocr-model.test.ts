import { describe, expect, it } from 'vitest';
import golden from '../../../test/golden/ocr/ppocr.json';

/**
 * The three PaddleOCR models loaded by the Worker's own loader (static
 * assets, sha256 check) and run by onnxruntime-web inside workerd, against
 * the onnxruntime-node golden file of test/golden/ocr, and ORT's wasm memory
 * measured where it matters. Workerd only: in Node the golden generator is
 * the reference, so everything runtime-bound is imported inside the tests.
 */
const inWorkerd = typeof navigator !== 'undefined' && navigator.userAgent === 'Cloudflare-Workers';

/** The isolate has 128 MB in all; ORT's linear memory must leave room for the JS heap and the decoded image. */
const WASM_BUDGET = 96 * 2 ** 20;

async function setup() {
  const { env } = await import('cloudflare:workers');
  const { loadModel } = await import('../../models/model-store.ts');
  const { onnxRuntime } = await import('../../inference/ort-wasm.ts');
  const { ocrModels } = await import('./manifest.ts');
  const manifests = {
    det: (await import('../../../models/ppocr-v4-det/manifest.json')).default,
    rec: (await import('../../../models/ppocr-v4-rec/manifest.json')).default,
    cls: (await import('../../../models/ppocr-cls/manifest.json')).default,
  };
  // Until shared/models/manifest.ts knows the OCR tasks, the JSON goes to the loader unparsed.
  type Manifest = Parameters<typeof loadModel>[1];
  const [det, rec, cls] = await Promise.all([manifests.det, manifests.rec, manifests.cls].map((m) => loadModel(env.MODEL_FILES, m as unknown as Manifest)));
  const models = ocrModels({ ...manifests, dictionary: rec!.labels! });
  return { ort: await onnxRuntime(), sessions: { det: det!.session, rec: rec!.session, cls: cls!.session }, models };
}
let ready: ReturnType<typeof setup> | undefined;

const PHOTOS: Record<string, () => Promise<{ default: Uint8Array }>> = {
  'test/fixtures/photos/page-english-text.png': () => import('../../../test/fixtures/photos/page-english-text.png?bytes'),
  'test/fixtures/ocr/page-dense.png': () => import('../../../test/fixtures/ocr/page-dense.png?bytes'),
  'test/fixtures/ocr/page-far.jpg': () => import('../../../test/fixtures/ocr/page-far.jpg?bytes'),
  'test/fixtures/ocr/sign-english.jpg': () => import('../../../test/fixtures/ocr/sign-english.jpg?bytes'),
  'test/fixtures/ocr/chinese-line.png': () => import('../../../test/fixtures/ocr/chinese-line.png?bytes'),
  'test/fixtures/ocr/chinese-card.png': () => import('../../../test/fixtures/ocr/chinese-card.png?bytes'),
  'test/fixtures/ocr/rotated-90.png': () => import('../../../test/fixtures/ocr/rotated-90.png?bytes'),
  'test/fixtures/ocr/rotated-180.png': () => import('../../../test/fixtures/ocr/rotated-180.png?bytes'),
  'test/fixtures/ocr/rotated-270.png': () => import('../../../test/fixtures/ocr/rotated-270.png?bytes'),
};

describe.skipIf(!inWorkerd)('PaddleOCR in onnxruntime-web inside workerd', () => {
  for (const want of golden.cases) {
    it(`reads ${want.image} as the onnxruntime-node reference does`, async () => {
      ready ??= setup();
      const { ort, sessions, models } = await ready;
      const { decodeImage } = await import('../../image/decode.ts');
      const { wasmDecoders } = await import('../../image/wasm-codecs.ts');
      const { probeImage } = await import('../../image/probe.ts');
      const { recognizeText } = await import('./ocr.ts');
      const { cer } = await import('./cer.ts');
      const { ortMemoryBytes } = await import('../../inference/ort-wasm.ts');
      const bytes = (await PHOTOS[want.image]!()).default;
      const info = probeImage(bytes, { maxPixels: 25_000_000 });
      // Full size: the recogniser reads its line crops from these pixels.
      const pixels = await decodeImage(bytes, info, { decoders: wasmDecoders, limits: { maxFullDecodePixels: 4_000_000 }, maxPixels: 25_000_000 });
      const result = await recognizeText(pixels, sessions, ort, models);
      // Same pixels and JS; only ORT's wasm and native kernels differ, which can flip a close call.
      expect(Math.abs(cer(want.reference, result.text) - want.cer), `${want.image}: ${result.text}`).toBeLessThanOrEqual(0.01);
      expect(ortMemoryBytes()).toBeLessThanOrEqual(WASM_BUDGET);
    }, 120_000);
  }
});
