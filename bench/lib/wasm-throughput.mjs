// The WASM SIMD throughput of onnxruntime-web on this CPU: large, regular
// MatMul and Conv graphs (generated here with onnx-proto, weights random)
// timed with ORT-web's single-threaded SIMD build — the same
// ort-wasm-simd-threaded.wasm the Worker imports — run by Node's V8 (workerd
// embeds V8 too). The best of them, per element type, is the "peak" a model's
// FLOPs are divided by for its compute floor.
import onnxProto from 'onnx-proto';
import * as ortWeb from 'onnxruntime-web';
import { median } from './stats.mjs';

const { onnx } = onnxProto;
const FLOAT = 1;
const UINT8 = 2;
const INT32 = 6;

function tensor(name, dataType, dims, data) {
  return { name, dataType, dims, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

function random(size, kind) {
  if (kind === 'uint8') return Uint8Array.from({ length: size }, (_, i) => (i * 2654435761) % 251);
  return Float32Array.from({ length: size }, (_, i) => (((i * 2654435761) % 1000) / 1000 - 0.5) * 0.1);
}

function valueInfo(name, elemType, dims) {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } };
}

function graphBytes(name, node, initializer, input, output) {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'edge-vision-functions/bench',
    opsetImport: [{ domain: '', version: 13 }],
    graph: { name, node: [node], initializer, input: [input], output: [output] },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** The kernels measured: MACs are counted here from the shapes, as bench/lib/flops.mjs counts a model's. */
export function throughputGraphs() {
  const [m, k, n] = [256, 1024, 1024];
  const [c, h, w] = [128, 56, 56];
  const scalar = (name, type, value) => tensor(name, type, [], type === FLOAT ? Float32Array.of(value) : Uint8Array.of(value));
  return [
    {
      label: 'fp32 MatMul 256x1024x1024',
      dtype: 'float32',
      macs: m * k * n,
      feeds: { a: { type: 'float32', dims: [m, k] } },
      bytes: graphBytes('matmul', { opType: 'MatMul', input: ['a', 'b'], output: ['y'] }, [tensor('b', FLOAT, [k, n], random(k * n))], valueInfo('a', FLOAT, [m, k]), valueInfo('y', FLOAT, [m, n])),
    },
    {
      label: `fp32 Conv 3x3 ${c}->${c} at ${h}x${w}`,
      dtype: 'float32',
      macs: c * h * w * c * 9,
      feeds: { x: { type: 'float32', dims: [1, c, h, w] } },
      bytes: graphBytes(
        'conv',
        { opType: 'Conv', input: ['x', 'w'], output: ['y'], attribute: [{ name: 'pads', type: 7, ints: [1, 1, 1, 1] }] },
        [tensor('w', FLOAT, [c, c, 3, 3], random(c * c * 9))],
        valueInfo('x', FLOAT, [1, c, h, w]),
        valueInfo('y', FLOAT, [1, c, h, w]),
      ),
    },
    {
      label: `uint8 QLinearConv 1x1 ${c * 2}->${c * 2} at ${h}x${w}`,
      dtype: 'uint8',
      macs: 2 * c * h * w * 2 * c,
      feeds: { x: { type: 'uint8', dims: [1, 2 * c, h, w] } },
      bytes: graphBytes(
        'qconv',
        { opType: 'QLinearConv', input: ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz', 'b'], output: ['y'] },
        [
          scalar('xs', FLOAT, 0.02),
          scalar('xz', UINT8, 128),
          tensor('w', UINT8, [2 * c, 2 * c, 1, 1], random(4 * c * c, 'uint8')),
          scalar('ws', FLOAT, 0.01),
          scalar('wz', UINT8, 120),
          scalar('ys', FLOAT, 0.05),
          scalar('yz', UINT8, 128),
          tensor('b', INT32, [2 * c], new Int32Array(2 * c)),
        ],
        valueInfo('x', UINT8, [1, 2 * c, h, w]),
        valueInfo('y', UINT8, [1, 2 * c, h, w]),
      ),
    },
  ];
}

function feedTensors(ort, feeds) {
  return Object.fromEntries(
    Object.entries(feeds).map(([name, { type, dims }]) => {
      const size = dims.reduce((a, b) => a * b, 1);
      return [name, new ort.Tensor(type, random(size, type), dims)];
    }),
  );
}

/** Median ms of `runs` runs of an ONNX graph in ORT-web (wasm SIMD, one thread), after one warm-up run. */
export async function timeOrtWeb(bytes, feeds, runs) {
  ortWeb.env.wasm.numThreads = 1;
  ortWeb.env.logLevel = 'error';
  const session = await ortWeb.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  const tensors = feedTensors(ortWeb, feeds);
  await session.run(tensors);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await session.run(tensors);
    times.push(performance.now() - start);
  }
  await session.release();
  return median(times);
}

/** GFLOP/s of each kernel, and the best per element type. */
export async function measureThroughput(runs) {
  const kernels = [];
  for (const graph of throughputGraphs()) {
    const ms = await timeOrtWeb(graph.bytes, graph.feeds, runs);
    kernels.push({ label: graph.label, dtype: graph.dtype, ms, gflops: (2 * graph.macs) / (ms * 1e6) });
  }
  const peak = {};
  for (const k of kernels) peak[k.dtype] = Math.max(peak[k.dtype] ?? 0, k.gflops);
  return { kernels, peak };
}
