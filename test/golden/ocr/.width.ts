import * as ort from 'onnxruntime-node';
import { decode, loadModels } from './make-ocr-golden.ts';
import { recognizeText } from '../../../shared/tasks/ocr/ocr.ts';
import { cropLine } from '../../../shared/tasks/ocr/crop.ts';
import { ctcClasses, ctcGreedyDecode } from '../../../shared/tasks/ocr/ctc.ts';
import { toModelInput } from '../../../shared/image/preprocess.ts';
import type { Quad } from '../../../shared/tasks/ocr/geometry.ts';
import type { Raster } from '../../../shared/image/raster.ts';
import { fileURLToPath } from 'node:url';
const path = (p: string) => fileURLToPath(new URL('../../../' + p, import.meta.url));
const models = loadModels();
const sessions = {
  det: await ort.InferenceSession.create(path('models/ppocr-v4-det/model.onnx')),
  rec: await ort.InferenceSession.create(path('models/ppocr-v4-rec/model.onnx')),
};
const classes = ctcClasses(models.dictionary, 0, [' ']);
const px = await decode(process.argv[2]!);
const r = await recognizeText(px, sessions, ort, models, { minScore: 0 });
const l = r.lines[Number(process.argv[3] ?? 0)]!;
const c = cropLine(px, l.polygon as Quad, 48).image;
const cut = (img: Raster, x0: number, x1: number): Raster => {
  const w = x1 - x0; const out = new Uint8Array(w * 48 * 3);
  for (let y = 0; y < 48; y++) out.set(img.data.subarray((y * img.width + x0) * 3, (y * img.width + x1) * 3), y * w * 3);
  return { width: w, height: 48, data: out };
};
async function rec(img: Raster, W = Math.max(320, img.width)) {
  const t = toModelInput(img, { ...models.rec.input, width: W, height: 48, resize: 'letterbox', pad: 127.5 });
  const out = await sessions.rec.run({ x: new ort.Tensor('float32', t.data as Float32Array, [1, 3, 48, W]) });
  const o = out['softmax_11.tmp_0']!;
  return ctcGreedyDecode(o.data as Float32Array, o.dims, 0, classes).text;
}
console.log('full', c.width, await rec(c));
for (const w of [320, 480, 640, 960, 1280]) {
  const parts = [];
  for (let x = 0; x < c.width; x += w) parts.push(await rec(cut(c, x, Math.min(c.width, x + w))));
  console.log(w, parts.join('|'));
}
console.log('pad to 2400', await rec(c, 2400));
