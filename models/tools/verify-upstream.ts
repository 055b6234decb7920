// One-off check of the converted models against the upstream runtimes themselves, which
// the project does not depend on: TFLite's own WASM build (from @tensorflow/tfjs-tflite)
// and @tensorflow/tfjs. Install them in a scratch folder, then run
//   mkdir /tmp/up && cd /tmp/up && npm init -y && \
//     npm i @tensorflow/tfjs@4.22.0 && npm i --legacy-peer-deps @tensorflow/tfjs-tflite@0.0.1-alpha.10
//   node --experimental-strip-types models/tools/verify-upstream.ts /tmp/up [photo ...]
// For every photo it compares: the TFLite runtime with the TS reference interpreter
// (uint8 outputs, expected identical) and with the ONNX model under onnxruntime-web;
// tfjs with the TS Keras reference and with the ONNX model.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import * as flatbuffers from 'flatbuffers';
import { MODELS_DIR } from './build.ts';
import { loadPhoto } from './images.ts';
import { createSession, runPixels } from './ort-web.ts';
import { runKeras } from './reference/keras-float.ts';
import { runUint8 } from './reference/tflite-uint8.ts';
import { SOURCES, readSource } from './sources.ts';
import { readTfjsLayersModel } from './tfjs.ts';
import { readTflite } from './tflite.ts';

const scratch = process.argv[2];
if (!scratch) throw new Error('usage: verify-upstream.ts <scratch dir with @tensorflow/tfjs and @tensorflow/tfjs-tflite> [photos...]');
const req = createRequire(join(scratch, 'package.json'));
const photosDir = join(MODELS_DIR, '..', 'test', 'fixtures', 'photos');
const photos = process.argv.length > 3
  ? process.argv.slice(3)
  : readdirSync(photosDir).filter((f) => /\.(jpe?g|png)$/i.test(f) && !/16mp|16bit|cmyk/.test(f)).map((f) => join(photosDir, f));

// Rewrites subgraph 0's single output index in place so TFLite exposes that tensor.
function withOutput(file: Uint8Array, tensor: number): Uint8Array {
  const b = new Uint8Array(file);
  const bb = new flatbuffers.ByteBuffer(b);
  const root = bb.readInt32(0);
  const sg = bb.__indirect(bb.__vector(root + bb.__offset(root, 8)));
  const o = bb.__offset(sg, 8);
  if (bb.__vector_len(sg + o) !== 1) throw new Error('expected one output');
  new DataView(b.buffer).setInt32(bb.__vector(sg + o), tensor, true);
  return b;
}

interface Runner { GetInputs(): { get(i: number): { data(): Uint8Array } }; GetOutputs(): { get(i: number): { data(): Uint8Array } }; Infer(): boolean }
async function tfliteRunner(model: Uint8Array): Promise<(x: Uint8Array) => Uint8Array> {
  const dir = join(scratch, 'node_modules/@tensorflow/tfjs-tflite/wasm');
  const factory = req(join(dir, 'tflite_web_api_cc_simd.js'));
  const M = await factory({ wasmBinary: readFileSync(join(dir, 'tflite_web_api_cc_simd.wasm')), print: () => {}, printErr: () => {} });
  const p = M._malloc(model.length);
  M.HEAPU8.set(model, p);
  const r = M.TFLiteWebModelRunner.CreateFromBufferAndOptions(p, model.length, { numThreads: -1, enableProfiling: false, maxProfilingBufferEntries: 1024 });
  if (!r.ok()) throw new Error(r.errorMessage());
  const runner: Runner = r.value();
  return (x) => {
    runner.GetInputs().get(0).data().set(x);
    if (!runner.Infer()) throw new Error('TFLite inference failed');
    return runner.GetOutputs().get(0).data().slice();
  };
}

const argmax = (a: ArrayLike<number>) => { let b = 0; for (let i = 1; i < a.length; i++) if (a[i] > a[b]) b = i; return b; };
const top = (a: ArrayLike<number>, k: number) => Array.from(a, (v, i) => [v, i]).sort((x, y) => y[0] - x[0]).slice(0, k).map((x) => x[1]);
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => { let d = 0; for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i])); return d; };

// ---- MobileNetV2 (Coral TFLite) ----
const tfliteBytes = new Uint8Array(readSource(MODELS_DIR, SOURCES.coralTflite));
const tflite = readTflite(tfliteBytes);
const probsT = tflite.outputs[0];
const softmaxOp = tflite.operators[tflite.operators.length - 1];
const logitsT = softmaxOp.inputs[0];
const poolOp = tflite.operators.find((o) => o.opcode === 'AVERAGE_POOL_2D')!;
const preT = poolOp.inputs[0];
const runProbs = await tfliteRunner(tfliteBytes);
const runLogits = await tfliteRunner(withOutput(tfliteBytes, logitsT));
const runPre = await tfliteRunner(withOutput(tfliteBytes, preT));
const cls = await createSession(readFileSync(join(MODELS_DIR, 'mobilenet-v2/model.onnx')));
const feat = await createSession(readFileSync(join(MODELS_DIR, 'mobilenet-v2-features/model.onnx')));
const labels = readFileSync(join(MODELS_DIR, 'mobilenet-v2/labels.txt'), 'utf8').split('\n');
const lq = tflite.tensors[logitsT].quantization!;
const pq = tflite.tensors[preT].quantization!;
let worstProb = 0, worstProbU8 = 0, worstEmb = 0, refMismatch = 0, top1 = 0, top5 = 0;
console.log('MobileNetV2: TFLite runtime vs TS reference vs ONNX (onnxruntime-web)');
for (const path of photos) {
  const x = await loadPhoto(path, 224, 'crop');
  const tProbs = runProbs(x), tLogits = runLogits(x), tPre = runPre(x);
  const ref = runUint8(tflite, x);
  for (const [t, got] of [[probsT, tProbs], [logitsT, tLogits], [preT, tPre]] as const) {
    if (maxAbs(ref.get(t)!, got) !== 0) refMismatch++;
  }
  const logits = Array.from(tLogits, (v) => (v - lq.zeroPoint[0]) * lq.scale[0]);
  const m = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  const softmax = e.map((v) => v / s);
  const p = await runPixels(cls, x, 224);
  const emb = await runPixels(feat, x, 224);
  const C = tflite.tensors[preT].shape[3];
  const mean = new Float64Array(C);
  for (let i = 0; i < tPre.length; i++) mean[i % C] += (tPre[i] - pq.zeroPoint[0]) * pq.scale[0];
  for (let c = 0; c < C; c++) mean[c] /= tPre.length / C;
  const dp = maxAbs(p, softmax), dpu8 = maxAbs(p, Array.from(tProbs, (v) => v / 256)), de = maxAbs(emb, mean);
  worstProb = Math.max(worstProb, dp); worstProbU8 = Math.max(worstProbU8, dpu8); worstEmb = Math.max(worstEmb, de);
  const same1 = argmax(p) === argmax(tProbs) ? 1 : 0;
  // TFLite's uint8 probabilities tie often; compare top-5 against its exact logits instead
  const same5 = top(p, 5).join() === top(softmax, 5).join() ? 1 : 0;
  top1 += same1; top5 += same5;
  console.log(`${basename(path).padEnd(38)} top1 ${same1 ? 'same' : 'DIFF'} top5 ${same5 ? 'same' : 'DIFF'}  |p - softmax(tflite logits)| ${dp.toExponential(1)}  |p - tflite u8/256| ${dpu8.toExponential(1)}  |emb - tflite| ${de.toExponential(1)}  ${top(p, 5).map((i) => `${labels[i]} ${p[i].toFixed(3)}`).join(', ')}`);
}
console.log(`photos ${photos.length}: TS reference tensors differing from TFLite: ${refMismatch}; top-1 agree ${top1}/${photos.length}, top-5 agree ${top5}/${photos.length}; max |p - softmax(tflite logits)| ${worstProb.toExponential(2)}, max |p - tflite uint8 probs| ${worstProbU8.toExponential(2)}, max |embedding - tflite float mean| ${worstEmb.toExponential(2)}\n`);

// ---- nsfwjs MobileNetV2 (tfjs) ----
const tf = req('@tensorflow/tfjs');
tf.env().set('IS_NODE', true);
const modelJs = readSource(MODELS_DIR, SOURCES.nsfwModel).toString('utf8');
const shardJs = readSource(MODELS_DIR, SOURCES.nsfwShard).toString('utf8');
const keras = readTfjsLayersModel(modelJs, [shardJs]);
// tfjs wants model.json + weight bytes; rebuild them from the same modules (JSON round
// trip: tfjs rejects objects from another vm realm).
const vm = await import('node:vm');
const mod = { exports: {} as Record<string, unknown> };
vm.runInNewContext(modelJs, { module: mod, exports: mod.exports });
const modelJson = JSON.parse(JSON.stringify(mod.exports)) as { modelTopology: unknown; weightsManifest: { weights: unknown[] }[] };
const shardMod = { exports: {} as unknown };
vm.runInNewContext(shardJs, { module: shardMod, exports: shardMod.exports });
const weightBytes = Buffer.from(shardMod.exports as string, 'base64');
const tfModel = await tf.loadLayersModel(tf.io.fromMemory({
  modelTopology: modelJson.modelTopology,
  weightSpecs: modelJson.weightsManifest[0].weights,
  weightData: weightBytes.buffer.slice(weightBytes.byteOffset, weightBytes.byteOffset + weightBytes.byteLength),
}));
const nsfw = await createSession(readFileSync(join(MODELS_DIR, 'nsfw-mobilenet-v2/model.onnx')));
let worstOnnx = 0, worstRef = 0, agree = 0;
console.log(`nsfwjs MobileNetV2: tfjs ${tf.version.tfjs} (${tf.getBackend()} backend) vs TS reference vs ONNX (onnxruntime-web)`);
for (const path of photos) {
  const x = await loadPhoto(path, 224, 'squash');
  const t = tf.tensor(x, [224, 224, 3], 'int32').toFloat().div(tf.scalar(255)).reshape([1, 224, 224, 3]);
  const want = (await tfModel.predict(t).data()) as Float32Array;
  const got = await runPixels(nsfw, x, 224);
  const ref = runKeras(keras, x);
  const d = maxAbs(got, want), dr = maxAbs(ref, want);
  worstOnnx = Math.max(worstOnnx, d); worstRef = Math.max(worstRef, dr);
  agree += argmax(got) === argmax(want) ? 1 : 0;
  console.log(`${basename(path).padEnd(38)} tfjs [${Array.from(want, (v) => v.toFixed(4)).join(' ')}]  |onnx - tfjs| ${d.toExponential(1)}  |ref - tfjs| ${dr.toExponential(1)}`);
}
console.log(`photos ${photos.length}: top-1 agree ${agree}/${photos.length}; max |onnx - tfjs| ${worstOnnx.toExponential(2)}; max |TS reference - tfjs| ${worstRef.toExponential(2)}`);
