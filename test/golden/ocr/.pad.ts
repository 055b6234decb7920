import * as ort from 'onnxruntime-node';
import { decode, loadModels, FIXTURES } from './make-ocr-golden.ts';
import { recognizeText } from '../../../shared/tasks/ocr/ocr.ts';
import { cer } from '../../../shared/tasks/ocr/cer.ts';
import { cropLine } from '../../../shared/tasks/ocr/crop.ts';
import { ctcClasses, ctcGreedyDecode } from '../../../shared/tasks/ocr/ctc.ts';
import { toModelInput } from '../../../shared/image/preprocess.ts';
import type { Quad, Point } from '../../../shared/tasks/ocr/geometry.ts';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const path = (p: string) => fileURLToPath(new URL('../../../' + p, import.meta.url));
const models = loadModels();
const sessions = {
  det: await ort.InferenceSession.create(path('models/ppocr-v4-det/model.onnx')),
  rec: await ort.InferenceSession.create(path('models/ppocr-v4-rec/model.onnx')),
};
const classes = ctcClasses(models.dictionary, 0, [' ']);
function expand(q: Quad, fv: number, fh: number): Quad {
  const c: Point = [(q[0][0] + q[1][0] + q[2][0] + q[3][0]) / 4, (q[0][1] + q[1][1] + q[2][1] + q[3][1]) / 4];
  const ux = [(q[1][0] + q[2][0] - q[0][0] - q[3][0]) / 2, (q[1][1] + q[2][1] - q[0][1] - q[3][1]) / 2];
  const vy = [(q[3][0] + q[2][0] - q[0][0] - q[1][0]) / 2, (q[3][1] + q[2][1] - q[0][1] - q[1][1]) / 2];
  const p = (su: number, sv: number): Point => [c[0] + su * ux[0]! * (1 + fh) / 2 + sv * vy[0]! * (1 + fv) / 2, c[1] + su * ux[1]! * (1 + fh) / 2 + sv * vy[1]! * (1 + fv) / 2];
  return [p(-1, -1), p(1, -1), p(1, 1), p(-1, 1)];
}
for (const f of FIXTURES.filter(f => !f.includes('rotated'))) {
  const px = await decode(f);
  const truth = readFileSync(path(f.replace(/\.\w+$/, '.txt')), 'utf8');
  const base = await recognizeText(px, sessions, ort, models, { minScore: 0 });
  const row = [];
  for (const [fv, fh] of [[0, 0], [0.2, 0], [0.4, 0], [0, 0.05], [-0.15, 0], [0.2, 0.05]]) {
    const texts = [];
    for (const l of base.lines) {
      const crop = cropLine(px, expand(l.polygon as Quad, fv!, fh!), 48);
      const W = Math.max(320, crop.image.width);
      const t = toModelInput(crop.image, { ...models.rec.input, width: W, height: 48, resize: 'letterbox', pad: 127.5 });
      const out = await sessions.rec.run({ x: new ort.Tensor('float32', t.data as Float32Array, [1, 3, 48, W]) });
      const o = out['softmax_11.tmp_0']!;
      texts.push(ctcGreedyDecode(o.data as Float32Array, o.dims, 0, classes).text);
    }
    row.push(`${fv}/${fh}: ${cer(truth, texts.join('\n')).toFixed(3)}`);
  }
  console.log(f.split('/').pop(), row.join(' | '));
}
