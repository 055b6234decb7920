import * as ort from 'onnxruntime-node';
import { decode, loadModels, FIXTURES } from './make-ocr-golden.ts';
import { recognizeText } from '../../../shared/tasks/ocr/ocr.ts';
import { cer } from '../../../shared/tasks/ocr/cer.ts';
import { cropLine } from '../../../shared/tasks/ocr/crop.ts';
import { resample } from '../../../shared/image/resample.ts';
import { ctcClasses, ctcGreedyDecode } from '../../../shared/tasks/ocr/ctc.ts';
import { toModelInput } from '../../../shared/image/preprocess.ts';
import type { Quad } from '../../../shared/tasks/ocr/geometry.ts';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const path = (p: string) => fileURLToPath(new URL('../../../' + p, import.meta.url));
const models = loadModels();
const sessions = {
  det: await ort.InferenceSession.create(path('models/ppocr-v4-det/model.onnx')),
  rec: await ort.InferenceSession.create(path('models/ppocr-v4-rec/model.onnx')),
};
const classes = ctcClasses(models.dictionary, 0, [' ']);
const verbose = process.argv.includes('-v');
for (const f of FIXTURES.filter(f => !f.includes('rotated-'))) {
  const px = await decode(f);
  const truth = readFileSync(path(f.replace(/\.\w+$/, '.txt')), 'utf8');
  const base = await recognizeText(px, sessions, ort, models, { minScore: 0 });
  const row = [];
  for (const sx of [1, 1.15, 1.3, 1.5]) {
    const texts = [];
    for (const l of base.lines) {
      const crop = cropLine(px, l.polygon as Quad, 48);
      const img = resample(crop.image, Math.round(crop.image.width * sx), 48);
      const W = Math.max(320, img.width);
      const t = toModelInput(img, { ...models.rec.input, width: W, height: 48, resize: 'letterbox', pad: 127.5 });
      const out = await sessions.rec.run({ x: new ort.Tensor('float32', t.data as Float32Array, [1, 3, 48, W]) });
      const o = out['softmax_11.tmp_0']!;
      texts.push(ctcGreedyDecode(o.data as Float32Array, o.dims, 0, classes).text);
    }
    row.push(`${sx}: ${cer(truth, texts.join('\n')).toFixed(3)}`);
    if (verbose) console.log(texts.join(' / '));
  }
  console.log(f.split('/').pop(), row.join(' | '));
}
