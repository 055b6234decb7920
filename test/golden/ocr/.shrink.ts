import * as ort from 'onnxruntime-node';
import { decode, loadModels, FIXTURES } from './make-ocr-golden.ts';
import { recognizeText } from '../../../shared/tasks/ocr/ocr.ts';
import { cer } from '../../../shared/tasks/ocr/cer.ts';
import { cropLine } from '../../../shared/tasks/ocr/crop.ts';
import { resample } from '../../../shared/image/resample.ts';
import { ctcClasses, ctcGreedyDecode } from '../../../shared/tasks/ocr/ctc.ts';
import { toModelInput } from '../../../shared/image/preprocess.ts';
import type { Quad } from '../../../shared/tasks/ocr/geometry.ts';
import type { Raster } from '../../../shared/image/raster.ts';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const path = (p: string) => fileURLToPath(new URL('../../../' + p, import.meta.url));
const models = loadModels();
const sessions = {
  det: await ort.InferenceSession.create(path('models/ppocr-v4-det/model.onnx')),
  rec: await ort.InferenceSession.create(path('models/ppocr-v4-rec/model.onnx')),
};
const classes = ctcClasses(models.dictionary, 0, [' ']);
function shrink(img: Raster, k: number): Raster {
  if (k === 1) return img;
  const h = Math.round(48 * k); const w = Math.max(1, Math.round(img.width * k));
  const small = resample(img, w, h);
  // background: median of the border pixels per channel
  const border: number[][] = [[], [], []];
  for (let x = 0; x < img.width; x++) for (const y of [0, 47]) for (let c = 0; c < 3; c++) border[c]!.push(img.data[(y * img.width + x) * 3 + c]!);
  const bg = border.map(v => v.sort((a, b) => a - b)[v.length >> 1]!);
  const out = new Uint8Array(w * 48 * 3);
  for (let i = 0; i < w * 48; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = bg[c]!;
  const top = Math.floor((48 - h) / 2);
  out.set(small.data, top * w * 3);
  return { width: w, height: 48, data: out };
}
for (const f of FIXTURES.filter(f => !f.includes('rotated-'))) {
  const px = await decode(f);
  const truth = readFileSync(path(f.replace(/\.\w+$/, '.txt')), 'utf8');
  const base = await recognizeText(px, sessions, ort, models, { minScore: 0 });
  const row = [];
  for (const k of [1, 0.85, 0.75, 0.65]) {
    const texts = [];
    for (const l of base.lines) {
      const crop = cropLine(px, l.polygon as Quad, 48);
      const img = shrink(crop.image, k);
      const W = Math.max(320, img.width);
      const t = toModelInput(img, { ...models.rec.input, width: W, height: 48, resize: 'letterbox', pad: 127.5 });
      const out = await sessions.rec.run({ x: new ort.Tensor('float32', t.data as Float32Array, [1, 3, 48, W]) });
      const o = out['softmax_11.tmp_0']!;
      texts.push(ctcGreedyDecode(o.data as Float32Array, o.dims, 0, classes).text);
    }
    row.push(`${k}: ${cer(truth, texts.join('\n')).toFixed(3)}`);
  }
  console.log(f.split('/').pop(), row.join(' | '));
}
