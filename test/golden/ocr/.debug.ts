import * as ort from 'onnxruntime-node';
import { decode, loadModels } from './make-ocr-golden.ts';
import { recognizeText } from '../../../shared/tasks/ocr/ocr.ts';
import { fileURLToPath } from 'node:url';
const path = (p: string) => fileURLToPath(new URL('../../../' + p, import.meta.url));
const models = loadModels();
const sessions = {
  det: await ort.InferenceSession.create(path('models/ppocr-v4-det/model.onnx')),
  rec: await ort.InferenceSession.create(path('models/ppocr-v4-rec/model.onnx')),
  cls: await ort.InferenceSession.create(path('models/ppocr-cls/model.onnx')),
};
const img = process.argv[2]!;
const maxSide = Number(process.argv[3] ?? 960);
const pixels = await decode(img);
const r = await recognizeText(pixels, sessions, ort, models, { maxSide, minScore: 0 });
for (const l of r.lines) console.log(l.score.toFixed(3), JSON.stringify(l.polygon), l.text);
