// The compute floor of each edge model: its FLOPs (bench/lib/flops.mjs, from
// the ONNX graph) divided by the peak WASM SIMD throughput measured for its
// element type (bench/lib/wasm-throughput.mjs), beside what the model takes
// in workerd (Server-Timing `infer`), in ORT-web on Node, and in native ORT.
import { readFileSync } from 'node:fs';
import { modelCompute } from './lib/flops.mjs';
import { manifestOf, modelPath } from './lib/native.mjs';
import { fmt } from './lib/stats.mjs';
import { measureThroughput, timeOrtWeb } from './lib/wasm-throughput.mjs';

export const FLOOR_MODELS = ['mobilenet-v2', 'mobilenet-v2-features', 'nsfw-mobilenet-v2', 'yolox-nano', 'blazeface-front', 'blazeface-back'];

export function inputFeeds(manifest) {
  const { name, dtype, width, height, layout } = manifest.input;
  return { [name]: { type: dtype, dims: layout === 'NCHW' ? [1, 3, height, width] : [1, height, width, 3] } };
}

export async function benchFloors({ runs }) {
  const throughput = await measureThroughput(runs);
  const models = [];
  for (const model of FLOOR_MODELS) {
    const manifest = manifestOf(model);
    const bytes = readFileSync(modelPath(model));
    const compute = await modelCompute(bytes, inputFeeds(manifest));
    // Quantised graphs run their convolutions on uint8; the others on float32 (weights dequantised or not).
    const dtype = compute.byOp.QLinearConv || compute.byOp.QLinearMatMul || compute.byOp.ConvInteger ? 'uint8' : 'float32';
    const floorMs = compute.flops / (throughput.peak[dtype] * 1e6);
    const ortWebNode = await timeOrtWeb(bytes, inputFeeds(manifest), runs);
    models.push({ model, gflops: compute.flops / 1e9, dtype, floorMs, ortWebNode });
  }
  return { throughput, models };
}

/** `workerdInfer`: { model: infer p50 ms in workerd }; `nativeInfer`: { model: native ORT ms }. */
export function floorTables({ throughput, models }, workerdInfer, nativeInfer) {
  const kernels = [
    '| kernel (ORT-web 1.30 wasm SIMD, 1 thread, in Node) | ms | GFLOP/s (GOP/s for uint8) |',
    '|---|---|---|',
    ...throughput.kernels.map((k) => `| ${k.label} | ${fmt(k.ms)} | ${k.gflops.toFixed(1)} |`),
  ];
  const lines = [
    '| model | GFLOP (2 x MACs of Conv/Gemm/MatMul) | runs on | compute floor (ms) | workerd infer p50, 1 MP (ms) | workerd / floor (target <= 1.5) | ORT-web on Node (ms) | native ORT, 1 thread (ms) | workerd / native |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const m of models) {
    const workerd = workerdInfer[m.model];
    const native = nativeInfer[m.model];
    const ratio = workerd / m.floorMs;
    lines.push(
      `| ${m.model} | ${m.gflops.toFixed(3)} | ${m.dtype} | ${fmt(m.floorMs)} | ${fmt(workerd)} | ${Number.isFinite(ratio) ? `${ratio.toFixed(1)}x ${ratio <= 1.5 ? 'met' : 'not met'}` : 'n/a'} | ${fmt(m.ortWebNode)} | ${fmt(native)} | ${Number.isFinite(workerd / native) ? `${(workerd / native).toFixed(1)}x` : 'n/a'} |`,
    );
  }
  return { kernels: kernels.join('\n'), floors: lines.join('\n') };
}
