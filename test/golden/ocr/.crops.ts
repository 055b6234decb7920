import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { decode, loadModels } from './make-ocr-golden.ts';
import { recognizeText } from '../../../shared/tasks/ocr/ocr.ts';
import { cropLine } from '../../../shared/tasks/ocr/crop.ts';
import type { Quad } from '../../../shared/tasks/ocr/geometry.ts';
import { fileURLToPath } from 'node:url';
const path = (p: string) => fileURLToPath(new URL('../../../' + p, import.meta.url));
const models = loadModels();
const sessions = {
  det: await ort.InferenceSession.create(path('models/ppocr-v4-det/model.onnx')),
  rec: await ort.InferenceSession.create(path('models/ppocr-v4-rec/model.onnx')),
};
const px = await decode(process.argv[2]!);
const r = await recognizeText(px, sessions, ort, models, { minScore: 0, maxSide: Number(process.argv[3] ?? 960) });
let i = 0;
for (const l of r.lines.slice(0, 3)) {
  const c = cropLine(px, l.polygon as Quad, 48);
  await sharp(c.image.data, { raw: { width: c.image.width, height: 48, channels: 3 } }).png().toFile(`/tmp/ocr-pkg/crop-${i++}.png`);
  console.log(l.text);
}
