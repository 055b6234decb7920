import * as ort from 'onnxruntime-node';
import { decode, loadModels } from './make-ocr-golden.ts';
import { recognizeText } from '../../../shared/tasks/ocr/ocr.ts';
import { resample } from '../../../shared/image/resample.ts';
import { cer } from '../../../shared/tasks/ocr/cer.ts';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const path = (p: string) => fileURLToPath(new URL('../../../' + p, import.meta.url));
const models = loadModels();
const sessions = {
  det: await ort.InferenceSession.create(path('models/ppocr-v4-det/model.onnx')),
  rec: await ort.InferenceSession.create(path('models/ppocr-v4-rec/model.onnx')),
  cls: await ort.InferenceSession.create(path('models/ppocr-cls/model.onnx')),
};
const img = process.argv[2]!;
const truth = readFileSync(path(img.replace(/\.\w+$/, '.txt')), 'utf8');
const pixels = await decode(img);
for (const f of [1, 1.5, 2, 2.5, 3]) {
  const up = resample(pixels, Math.round(pixels.width * f), Math.round(pixels.height * f));
  const r = await recognizeText(up, sessions, ort, models, { maxSide: 4000 });
  console.log(f, up.width, up.height, cer(truth, r.text).toFixed(4), r.lines.length, JSON.stringify(r.text));
}
