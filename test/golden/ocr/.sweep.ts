import * as ort from 'onnxruntime-node';
import { decode, loadModels, FIXTURES } from './make-ocr-golden.ts';
import { recognizeText } from '../../../shared/tasks/ocr/ocr.ts';
import { cer } from '../../../shared/tasks/ocr/cer.ts';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const path = (p: string) => fileURLToPath(new URL('../../../' + p, import.meta.url));
const base = loadModels();
const sessions = {
  det: await ort.InferenceSession.create(path('models/ppocr-v4-det/model.onnx')),
  rec: await ort.InferenceSession.create(path('models/ppocr-v4-rec/model.onnx')),
  cls: await ort.InferenceSession.create(path('models/ppocr-cls/model.onnx')),
};
const imgs = await Promise.all(FIXTURES.map(async f => ({ f, px: await decode(f), truth: readFileSync(path(f.replace(/\.\w+$/, '.txt')), 'utf8') })));
for (const dilate of [false, true]) for (const unclip of [1.5]) for (const cropUnclipRatio of (process.argv[2] ?? '1.5,1.8,2.0,2.3').split(',').map(Number)) {
  for (const maxSide of [960, 640]) {
    const models = { ...base, det: { ...base.det, output: { ...base.det.output, decoder: { ...base.det.output.decoder, unclipRatio: unclip, dilate, cropUnclipRatio } } } };
    const row = [];
    let sum = 0;
    for (const { f, px, truth } of imgs) {
      const r = await recognizeText(px, sessions, ort, models, { maxSide });
      const c = cer(truth, r.text); sum += c;
      row.push(`${c.toFixed(3)}`);
    }
    console.log(dilate ? 'dil' : '   ', unclip, cropUnclipRatio, maxSide, row.join(' '), ' mean', (sum / imgs.length).toFixed(3));
  }
}
