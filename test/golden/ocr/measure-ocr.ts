// OCR under onnxruntime-web's WASM backend in Node (single thread, SIMD), configured as the
// Worker configures it: session creation times, per-stage latencies and ORT's wasm memory.
// wasm memory only grows, so every configuration runs in its own process. Prints one JSON object.
//   node --experimental-strip-types test/golden/ocr/measure-ocr.ts [--max-side 960] [--det-max-pixels 307200] [--batch] [--no-cls]
//     [--no-arena] [--runs 4] [--only NAME] [--image PATH (instead of the fixtures; CER against PATH's .txt if there is one)]
// One model alone (the manifests' `measured` blocks; the small cls model brings the runtime up first):
//   ... measure-ocr.ts --model ppocr-v4-det --dims 1,3,480,640
// Recogniser batches against the same crops one by one (shared/tasks/ocr/ocr.ts packBatches):
//   ... measure-ocr.ts --batch-bench
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as OrtWeb from 'onnxruntime-web';

// ORT keeps its Emscripten module private, so the linear memory is caught on its way in, as
// shared/inference/ort-wasm.ts does: the threaded build receives its WebAssembly.Memory in the
// instantiate imports. Installed before ORT is imported.
const memories: WebAssembly.Memory[] = [];
const original = WebAssembly.instantiate.bind(WebAssembly) as (source: unknown, imports?: WebAssembly.Imports) => Promise<unknown>;
(WebAssembly as { instantiate: unknown }).instantiate = async (source: unknown, imports?: WebAssembly.Imports) => {
  for (const module of Object.values(imports ?? {})) {
    for (const value of Object.values(module)) if (value instanceof WebAssembly.Memory && !memories.includes(value)) memories.push(value);
  }
  return original(source, imports);
};
const wasmBytes = () => Math.max(0, ...memories.map((m) => m.buffer.byteLength));
const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

const { decode, loadModels, FIXTURES } = await import('./make-ocr-golden.ts');
const { recognizeText } = await import('../../../shared/tasks/ocr/ocr.ts');
const { cer } = await import('../../../shared/tasks/ocr/cer.ts');

const argv = process.argv.slice(2);
const option = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const maxSide = Number(option('--max-side') ?? 960);
const runs = Number(option('--runs') ?? 4);
const detMaxPixels = Number(option('--det-max-pixels') ?? 640 * 480);
const arena = !argv.includes('--no-arena');
const batch = argv.includes('--batch');
const useCls = !argv.includes('--no-cls');
const only = option('--only');

const root = new URL('../../../', import.meta.url);
const path = (p: string) => fileURLToPath(new URL(p, root));
const require = createRequire(import.meta.url);

const ort = (await import('onnxruntime-web/wasm')) as unknown as typeof OrtWeb;
ort.env.wasm.numThreads = 1;
ort.env.wasm.proxy = false;
ort.env.wasm.wasmBinary = readFileSync(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
ort.env.logLevel = 'error';

// As shared/models/model-store.ts creates sessions; --no-arena lets sessions reuse each other's freed memory.
const options: OrtWeb.InferenceSession.SessionOptions = { executionProviders: ['wasm'], graphOptimizationLevel: 'all', enableCpuMemArena: arena };
const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const t = performance.now();
  const value = await work();
  return [value, Math.round((performance.now() - t) * 10) / 10];
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const modelBytes = (id: string) => new Uint8Array(readFileSync(path(`models/${id}/model.onnx`)));
/** A tensor of fixed pseudo-random values: these kernels' timing does not depend on them. */
const noise = (dims: number[]) => new ort.Tensor('float32', Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i)), dims);

const modelId = option('--model');
if (modelId) {
  await (await ort.InferenceSession.create(modelBytes('ppocr-cls'), options)).release();
  const [session, sessionCreateMs] = await timed(() => ort.InferenceSession.create(modelBytes(modelId), options));
  const dims = (option('--dims') ?? '1,3,48,320').split(',').map(Number);
  const feeds = { x: noise(dims) };
  await session.run(feeds);
  const wasmMemoryBytes = wasmBytes();
  const times: number[] = [];
  for (let i = 0; i < 7; i++) times.push((await timed(() => session.run(feeds)))[1]);
  console.log(JSON.stringify({ model: modelId, inputDims: dims, wasmMemoryBytes, sessionCreateMs, inferMs: median(times) }));
  process.exit(0);
}

if (argv.includes('--batch-bench')) {
  const session = await ort.InferenceSession.create(modelBytes('ppocr-v4-rec'), options);
  const rows = [];
  for (const [n, w] of [[6, 320], [4, 400], [3, 640], [2, 960], [2, 1280]] as const) {
    const batch = { x: noise([n, 3, 48, w]) };
    const single = { x: noise([1, 3, 48, w]) };
    await session.run(batch);
    await session.run(single);
    const batched: number[] = [];
    const oneByOne: number[] = [];
    for (let i = 0; i < 7; i++) {
      batched.push((await timed(() => session.run(batch)))[1]);
      oneByOne.push((await timed(async () => { for (let k = 0; k < n; k++) await session.run(single); }))[1]);
    }
    rows.push({ crops: n, width: w, batchedMs: median(batched), oneByOneMs: median(oneByOne) });
  }
  console.log(JSON.stringify({ batchBench: rows, wasmMB: mb(wasmBytes()) }, null, 1));
  process.exit(0);
}

// The first session also brings the runtime up (wasm instantiation, ORT init): measured apart.
const [cls, clsCreateMs] = await timed(() => ort.InferenceSession.create(new Uint8Array(readFileSync(path('models/ppocr-cls/model.onnx'))), options));
const memoryAfterCls = wasmBytes();
const [det, detCreateMs] = await timed(() => ort.InferenceSession.create(new Uint8Array(readFileSync(path('models/ppocr-v4-det/model.onnx'))), options));
const memoryAfterDet = wasmBytes();
const [rec, recCreateMs] = await timed(() => ort.InferenceSession.create(new Uint8Array(readFileSync(path('models/ppocr-v4-rec/model.onnx'))), options));
const memoryAfterLoad = wasmBytes();

const models = loadModels();
const sessions = useCls ? { det, rec, cls } : { det, rec };
const results = [];
const imagePath = option('--image');
for (const image of imagePath ? [imagePath] : FIXTURES.filter((f) => !only || f.includes(only))) {
  const pixels = await decode(image);
  const txt = path(image.replace(/\.\w+$/, '.txt'));
  const truth = existsSync(txt) ? readFileSync(txt, 'utf8') : '';
  const perRun: Array<{ totalMs: number; detInput: string; stages: Record<string, number>; rec: string[] }> = [];
  let text = '';
  for (let r = 0; r < runs; r++) {
    const stages: Record<string, number> = {};
    const recBatches: string[] = [];
    let detInput = '';
    const timing = {
      async measure<T>(stage: string, work: () => Promise<T> | T, desc?: string): Promise<T> {
        const t = performance.now();
        try {
          return await work();
        } finally {
          const ms = performance.now() - t;
          stages[stage] = Math.round(((stages[stage] ?? 0) + ms) * 10) / 10;
          // desc: the tensor shape (rec: crops x width, det: width x height).
          if (stage === 'ocr-rec') recBatches.push(`${desc}:${ms.toFixed(0)}ms`);
          if (stage === 'ocr-det') detInput += `${detInput ? '+' : ''}${desc}`;
        }
      },
    };
    const [result, totalMs] = await timed(() => recognizeText(pixels, sessions, ort, models, { maxSide, detMaxPixels, batch, timing }));
    text = result.text;
    perRun.push({ totalMs, detInput, stages, rec: recBatches });
  }
  // The first run includes kernel warm-up; the median of the others is what a warm isolate sees.
  const warm = perRun.slice(1);
  const stages = Object.fromEntries(Object.keys(perRun[0]!.stages).map((k) => [k, median(warm.map((r) => r.stages[k] ?? 0))]));
  results.push({
    image,
    pixels: `${pixels.width}x${pixels.height}`,
    cer: Math.round(cer(truth, text) * 1e4) / 1e4,
    firstMs: perRun[0]!.totalMs,
    warmMs: median(warm.map((r) => r.totalMs)),
    detInput: perRun[0]!.detInput,
    stages,
    rec: perRun[perRun.length - 1]!.rec,
    wasmMB: mb(wasmBytes()),
  });
}

console.log(
  JSON.stringify(
    {
      maxSide,
      detMaxPixels,
      arena,
      batch,
      cls: useCls,
      sessionCreateMs: { clsIncludingRuntimeInit: clsCreateMs, det: detCreateMs, rec: recCreateMs },
      wasmMB: { afterCls: mb(memoryAfterCls), afterDet: mb(memoryAfterDet), afterLoad: mb(memoryAfterLoad), afterRuns: mb(wasmBytes()) },
      results,
    },
    null,
    1,
  ),
);
