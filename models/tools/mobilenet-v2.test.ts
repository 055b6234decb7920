// The converted MobileNetV2 models under onnxruntime-web (WASM, as the Worker runs them)
// against the TS reference interpreter of the TFLite graph on real photos. The reference
// reproduces TFLite's own runtime bit for bit (checked with verify-upstream.ts), and the
// conversion keeps every layer's integer arithmetic, so the uint8 logits agree exactly:
// what remains is float32 rounding in the final softmax / mean (~1e-6).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODELS_DIR } from './build.ts';
import { loadPhoto } from './images.ts';
import { readableLabels } from './mobilenet-v2.ts';
import { createSession, runPixels } from './ort-web.ts';
import { addParams, requantizeAdd, requantizeConv, roundHalfEven } from './reference/requantize.ts';
import { runUint8 } from './reference/tflite-uint8.ts';
import { SOURCES, readSource } from './sources.ts';
import { readTflite } from './tflite.ts';

const PHOTOS = join(MODELS_DIR, '..', 'test', 'fixtures', 'photos');
const TOLERANCE = 1e-4; // observed max 1.2e-6 on 29 photos
const tflite = readTflite(readSource(MODELS_DIR, SOURCES.coralTflite));
const labels = readFileSync(join(MODELS_DIR, 'mobilenet-v2', 'labels.txt'), 'utf8').trimEnd().split('\n');
const argmax = (a: ArrayLike<number>) => { let b = 0; for (let i = 1; i < a.length; i++) if (a[i] > a[b]) b = i; return b; };
const topK = (a: ArrayLike<number>, k: number) => Array.from(a, (v, i) => [v, i]).sort((x, y) => y[0] - x[0]).slice(0, k).map((x) => x[1]);
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => { let d = 0; for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i])); return d; };

describe('TFLite reader', () => {
  it('reads the Coral MobileNetV2 graph', () => {
    const counts: Record<string, number> = {};
    for (const op of tflite.operators) counts[op.opcode] = (counts[op.opcode] ?? 0) + 1;
    expect(counts).toEqual({ CONV_2D: 36, DEPTHWISE_CONV_2D: 17, ADD: 10, AVERAGE_POOL_2D: 1, RESHAPE: 1, SOFTMAX: 1 });
    const input = tflite.tensors[tflite.inputs[0]];
    expect(input.shape).toEqual([1, 224, 224, 3]);
    expect(input.quantization).toMatchObject({ scale: [0.0078125], zeroPoint: [128] });
    expect(tflite.tensors[tflite.outputs[0]].shape).toEqual([1, 1001]);
  });
});

describe('labels', () => {
  it('has one readable, unique name per output, background first', () => {
    expect(labels).toHaveLength(1001);
    expect(labels[0]).toBe('background');
    expect(labels[282]).toBe('tabby cat');
    expect(labels[1]).toBe('tench');
    expect(new Set(labels).size).toBe(1001);
    expect(readableLabels('a, a b\nc, d e\n')).toEqual(['a b', 'c']);
  });
});

describe('reference requantisation', () => {
  it('rounds like XNNPACK', () => {
    expect(roundHalfEven(2.5)).toBe(2);
    expect(roundHalfEven(3.5)).toBe(4);
    expect(roundHalfEven(-2.5)).toBe(-2);
    expect(requantizeConv(4654, Math.fround(0.011279192796250403))).toBe(52); // gemmlowp's double rounding says 53
    // (131 - 128) * 0.5 + (104 - 100) * 0.25 = 2.5: XNNPACK's add rounds halves up
    expect(requantizeAdd(131, 104, addParams(0.5, 128, 0.25, 100, 1))).toBe(3);
    expect(requantizeAdd(130, 104, addParams(0.5, 128, 0.25, 100, 0.5))).toBe(4);
  });
});

describe('mobilenet-v2 ONNX vs reference on photos', () => {
  let cls: Awaited<ReturnType<typeof createSession>>;
  let feat: Awaited<ReturnType<typeof createSession>>;
  beforeAll(async () => {
    cls = await createSession(readFileSync(join(MODELS_DIR, 'mobilenet-v2', 'model.onnx')));
    feat = await createSession(readFileSync(join(MODELS_DIR, 'mobilenet-v2-features', 'model.onnx')));
  });

  const softmaxOp = tflite.operators[tflite.operators.length - 1];
  const logitsT = tflite.tensors[softmaxOp.inputs[0]];
  const poolOp = tflite.operators.find((o) => o.opcode === 'AVERAGE_POOL_2D')!;
  const preT = tflite.tensors[poolOp.inputs[0]];

  for (const photo of ['cat-chelsea.png', 'giraffe-zebra.jpg', 'coffee-cup-saucer.png']) {
    it(photo, async () => {
      const x = await loadPhoto(join(PHOTOS, photo), 224, 'crop');
      const ref = runUint8(tflite, x);
      const lq = logitsT.quantization!;
      const logits = Array.from(ref.get(logitsT.index)!, (v) => (v - lq.zeroPoint[0]) * lq.scale[0]);
      const m = Math.max(...logits);
      const e = logits.map((v) => Math.exp(v - m));
      const sum = e.reduce((a, b) => a + b, 0);
      const want = e.map((v) => v / sum);
      const got = await runPixels(cls, x, 224);
      expect(got).toHaveLength(1001);
      expect(maxAbs(got, want)).toBeLessThan(TOLERANCE);
      expect(argmax(got)).toBe(argmax(want));
      expect(topK(got, 5)).toEqual(topK(want, 5));
      // TFLite's own output is uint8 in steps of 1/256
      const u8 = ref.get(tflite.outputs[0])!;
      expect(maxAbs(got, Array.from(u8, (v) => v / 256))).toBeLessThanOrEqual(1 / 512 + TOLERANCE);

      const pq = preT.quantization!;
      const pre = ref.get(preT.index)!;
      const C = preT.shape[3];
      const mean = new Float64Array(C);
      for (let i = 0; i < pre.length; i++) mean[i % C] += (pre[i] - pq.zeroPoint[0]) * pq.scale[0];
      for (let c = 0; c < C; c++) mean[c] /= pre.length / C;
      const emb = await runPixels(feat, x, 224);
      expect(emb).toHaveLength(1280);
      expect(maxAbs(emb, mean)).toBeLessThan(TOLERANCE);

      if (photo === 'cat-chelsea.png') {
        expect(topK(got, 3).map((i) => labels[i]).sort()).toEqual(['Egyptian cat', 'tabby cat', 'tiger cat']);
      }
    });
  }
});
