import * as ort from 'onnxruntime-node';
import { decode, loadModels } from './make-ocr-golden.ts';
import { recognizeText } from '../../../shared/tasks/ocr/ocr.ts';
import { fileURLToPath } from 'node:url';
const path = (p: string) => fileURLToPath(new URL('../../../' + p, import.meta.url));
const base = loadModels();
const sessions = {
  det: await ort.InferenceSession.create(path('models/ppocr-v4-det/model.onnx')),
  rec: await ort.InferenceSession.create(path('models/ppocr-v4-rec/model.onnx')),
};
const px = await decode(process.argv[2]!);
for (const unclip of process.argv[3]!.split(',').map(Number)) {
  const models = { ...base, det: { ...base.det, output: { ...base.det.output, decoder: { ...base.det.output.decoder, unclipRatio: unclip } } } };
  const r = await recognizeText(px, sessions, ort, models, { maxSide: Number(process.argv[4] ?? 960), minScore: 0 });
  console.log('unclip', unclip);
  for (const l of r.lines) console.log('  ', l.score.toFixed(3), l.box.ymax - l.box.ymin, l.text);
}
