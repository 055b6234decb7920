// Reference OCR output: the Worker's pipeline (shared/tasks/ocr) on the same decoded pixels,
// with native onnxruntime-node running the three PaddleOCR models instead of
// onnxruntime-web in workerd. Writes test/golden/ocr/ppocr.json: per fixture the lines, the
// joined text and its character error rate against the fixture's .txt, with recognizeText's
// defaults (detector long side 960 from the manifest, tiled past 640x480 pixels, direction
// classifier on, no batching), and the CER again with the detector's long side at 640.
//   node --experimental-strip-types test/golden/ocr/make-ocr-golden.ts          (writes ppocr.json)
//   node --experimental-strip-types test/golden/ocr/make-ocr-golden.ts --check  (fails if it changed)
//   node --experimental-strip-types test/golden/ocr/make-ocr-golden.ts --print  (also prints the texts)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import type { DecodeTarget } from '../../../shared/image/decode.ts';
import type { Raster } from '../../../shared/image/raster.ts';
import { cer } from '../../../shared/tasks/ocr/cer.ts';
import { labelLines } from '../../../shared/models/label-lines.ts';
import { ocrModels } from '../../../shared/tasks/ocr/manifest.ts';
import { recognizeText, type OcrResult } from '../../../shared/tasks/ocr/ocr.ts';
import { decodeFile } from '../node-decode.ts';

const root = new URL('../../../', import.meta.url);
const path = (p: string) => fileURLToPath(new URL(p, root));

/**
 * The Worker's decode path on Node. OCR reads its line crops from these
 * pixels, so by default they are decoded at full size.
 */
export async function decode(file: string, target?: DecodeTarget): Promise<Raster> {
  return (await decodeFile(file, () => target)).pixels;
}

/** Each image with its true text beside it (same name, .txt). */
export const FIXTURES = [
  'test/fixtures/photos/page-english-text.png',
  'test/fixtures/ocr/page-dense.png',
  'test/fixtures/ocr/page-far.jpg',
  'test/fixtures/ocr/sign-english.jpg',
  'test/fixtures/ocr/chinese-line.png',
  'test/fixtures/ocr/chinese-card.png',
  'test/fixtures/ocr/rotated-90.png',
  'test/fixtures/ocr/rotated-180.png',
  'test/fixtures/ocr/rotated-270.png',
];

const readJson = (p: string): unknown => JSON.parse(readFileSync(path(p), 'utf8'));

export function loadModels() {
  return ocrModels({
    det: readJson('models/ppocr-v4-det/manifest.json'),
    rec: readJson('models/ppocr-v4-rec/manifest.json'),
    cls: readJson('models/ppocr-cls/manifest.json'),
    dictionary: labelLines(readFileSync(path('models/ppocr-v4-rec/labels.txt'), 'utf8')),
  });
}

const reference = (image: string) => readFileSync(path(image.replace(/\.\w+$/, '.txt')), 'utf8');
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

interface GoldenCase {
  image: string;
  reference: string;
  /** CER at the detector's default input size (manifest: 960) and at 640. */
  cer: number;
  cer640: number;
  text: string;
  lines: OcrResult['lines'];
}

async function main() {
  const args = new Set(process.argv.slice(2));
  const models = loadModels();
  const sessions = {
    det: await ort.InferenceSession.create(path('models/ppocr-v4-det/model.onnx')),
    rec: await ort.InferenceSession.create(path('models/ppocr-v4-rec/model.onnx')),
    cls: await ort.InferenceSession.create(path('models/ppocr-cls/model.onnx')),
  };
  const cases: GoldenCase[] = [];
  for (const image of FIXTURES) {
    const pixels = await decode(image);
    const truth = reference(image);
    const full = await recognizeText(pixels, sessions, ort, models);
    const small = await recognizeText(pixels, sessions, ort, models, { maxSide: 640 });
    cases.push({ image, reference: truth, cer: round4(cer(truth, full.text)), cer640: round4(cer(truth, small.text)), text: full.text, lines: full.lines });
    if (args.has('--print')) console.log(`--- ${image}: CER ${cer(truth, full.text).toFixed(4)} (640: ${cer(truth, small.text).toFixed(4)})\n${full.text}\n--- 640:\n${small.text}`);
  }
  const golden = {
    options: { maxSide: 'manifest (960)', detMaxPixels: 'default (640 x 480)', batch: false, cls: true, cer640: { maxSide: 640 } },
    models: { det: `${models.det.id}@${models.det.version}`, rec: `${models.rec.id}@${models.rec.version}`, cls: `${models.cls!.id}@${models.cls!.version}` },
    runtime: `onnxruntime-node ${ort.env.versions.node ?? ''}`.trim(),
    cases,
  };
  const out = path('test/golden/ocr/ppocr.json');
  const json = JSON.stringify(golden, null, 1) + '\n';
  if (args.has('--check')) {
    if (readFileSync(out, 'utf8') !== json) {
      console.error('test/golden/ocr/ppocr.json is out of date: rerun without --check');
      process.exit(1);
    }
    console.log('ppocr.json is up to date');
  } else {
    writeFileSync(out, json);
    for (const c of cases) console.log(`${c.image}: CER ${c.cer} (det 640: ${c.cer640}), ${c.lines.length} lines`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
