import * as ort from 'onnxruntime-node';
import { decode, loadModels, FIXTURES } from './make-ocr-golden.ts';
import { recognizeText } from '../../../shared/tasks/ocr/ocr.ts';
import { cropLine } from '../../../shared/tasks/ocr/crop.ts';
import { resample } from '../../../shared/image/resample.ts';
import { toModelInput } from '../../../shared/image/preprocess.ts';
import type { Quad } from '../../../shared/tasks/ocr/geometry.ts';
import { fileURLToPath } from 'node:url';
const path = (p: string) => fileURLToPath(new URL('../../../' + p, import.meta.url));
const models = loadModels();
const sessions = {
  det: await ort.InferenceSession.create(path('models/ppocr-v4-det/model.onnx')),
  rec: await ort.InferenceSession.create(path('models/ppocr-v4-rec/model.onnx')),
  cls: await ort.InferenceSession.create(path('models/ppocr-cls/model.onnx')),
};
for (const f of FIXTURES) {
  const px = await decode(f);
  const base = await recognizeText(px, sessions, ort, models, { minScore: 0 });
  const out = [];
  for (const l of base.lines) {
    const crop = cropLine(px, l.polygon as Quad, 48).image;
    const n = Math.max(1, Math.round(crop.width / 192));
    const ps = [];
    for (let k = 0; k < n; k++) {
      const x0 = Math.round(k * (crop.width - 192) / Math.max(1, n - 1));
      const w = Math.min(192, crop.width);
      const part = { width: w, height: 48, data: new Uint8Array(w * 48 * 3) };
      for (let y = 0; y < 48; y++) part.data.set(crop.data.subarray((y * crop.width + Math.max(0, x0)) * 3, (y * crop.width + Math.max(0, x0) + w) * 3), y * w * 3);
      const t = toModelInput(part, { ...models.cls!.input, width: 192, height: 48, resize: 'letterbox', pad: 127.5 });
      const o = await sessions.cls.run({ x: new ort.Tensor('float32', t.data as Float32Array, [1, 3, 48, 192]) });
      ps.push((o['softmax_0.tmp_0']!.data as Float32Array)[1]!);
    }
    out.push((ps.reduce((a, b) => a + b, 0) / ps.length).toFixed(2) + '/' + ps.map(p => p.toFixed(1)).join(','));
  }
  console.log(f.split('/').pop(), out.join(' '));
}
