// Measures one ONNX model under onnxruntime-web's WASM backend (single thread, SIMD), the
// way the Worker runs it. Run one model per process: wasm memory never shrinks, so a
// shared process would report the sum of every model loaded before.
//   node --experimental-strip-types models/tools/measure.ts <model.onnx> [runs] [--batch N] [--external-data FILE]
// prints the Measured fields below as JSON. Every input is fed fixed pseudo-random data of its
// own dtype (uint8, float32 in [0, 1), int32/int64 in [0, 256) so any Gather table of 256+ rows
// accepts it); a symbolic first dimension is the batch (--batch, default 1). --external-data
// hands FILE to onnxruntime-web's externalData option under its base name (the location the
// graph's initializers name).
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { externalizeWeights } from '../../shared/models/external-weights.ts';
import { DType, GraphBuilder } from './onnx.ts';

export interface Measured {
  wasmMemoryBytes: number; // ORT's wasm linear memory after session creation + 1 inference
  wasmMemoryBytesWarm: number; // the same after the warm runs (the arena can still grow)
  sessionCreateMs: number; // InferenceSession.create for this model, runtime already up
  runtimeInitMs: number; // one-off per isolate: wasm instantiation + ORT init
  firstInferMs: number;
  inferMs: number; // median of warm runs
  runtime: string;
  batch?: number; // only when a symbolic batch dimension was set to more than 1
}

export interface MeasureOptions {
  /** Value of a symbolic first input dimension (default 1). */
  batch?: number;
  /** Path of the model's external-data file, mounted under its base name. */
  externalData?: string;
  /** Split a single-file model's weights out in memory first, as the Worker's model store does (shared/models/external-weights.ts). */
  splitWeights?: boolean;
}

// ORT keeps its Emscripten module private, so the linear memory is caught on its way in:
// the threaded build receives its WebAssembly.Memory in the instantiate imports (other
// builds export it). Memory.buffer.byteLength is the whole wasm heap ORT holds: weights,
// arena, scratch buffers. Installed before ORT is imported (hence the dynamic import).
const memories: WebAssembly.Memory[] = [];
function collect(obj: unknown, depth = 0): void {
  if (!obj || typeof obj !== 'object' || depth > 2) return;
  if (obj instanceof WebAssembly.Memory) { if (!memories.includes(obj)) memories.push(obj); return; }
  for (const v of Object.values(obj as Record<string, unknown>)) collect(v, depth + 1);
}
const original = WebAssembly.instantiate;
WebAssembly.instantiate = async function (source: unknown, imports?: unknown) {
  collect(imports);
  const result = await (original as (s: unknown, i?: unknown) => Promise<unknown>)(source, imports);
  const instance = result instanceof WebAssembly.Instance ? result : (result as { instance: WebAssembly.Instance }).instance;
  collect(instance.exports);
  return result;
} as typeof WebAssembly.instantiate;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
const round1 = (x: number) => Math.round(x * 10) / 10;

type OrtWeb = Awaited<ReturnType<typeof import('./ort-web.ts').loadOrtWeb>>;
type InputMeta = { name: string; isTensor?: boolean; type: string; shape: ReadonlyArray<number | string> };

// Fixed pseudo-random data (a multiplicative hash of the index): the kernels' timing does not
// depend on the values. uint8 keeps the exact bytes measure.ts has always fed.
function inputTensor(ort: OrtWeb, meta: InputMeta, batch: number): InstanceType<OrtWeb['Tensor']> {
  const dims = meta.shape.map((d, i) => {
    if (typeof d === 'number' && d > 0) return d;
    if (i === 0) return batch;
    throw new Error(`input ${meta.name}: symbolic dimension ${i} (${d}) that measure.ts cannot choose`);
  });
  const fixedFirst = typeof meta.shape[0] === 'number' && meta.shape[0] > 0;
  if (batch !== 1 && fixedFirst) {
    throw new Error(`input ${meta.name} has a fixed first dimension ${meta.shape[0]}: no batch to set`);
  }
  const size = dims.reduce((a, b) => a * b, 1);
  const hash = (i: number) => Math.imul(i, 2654435761) >>> 0;
  switch (meta.type) {
    case 'uint8': {
      const data = new Uint8Array(size);
      for (let i = 0; i < size; i++) data[i] = hash(i) >>> 24;
      return new ort.Tensor('uint8', data, dims);
    }
    case 'float32': {
      const data = new Float32Array(size);
      for (let i = 0; i < size; i++) data[i] = (hash(i) >>> 8) / 2 ** 24;
      return new ort.Tensor('float32', data, dims);
    }
    case 'int32': {
      const data = new Int32Array(size);
      for (let i = 0; i < size; i++) data[i] = hash(i) >>> 24;
      return new ort.Tensor('int32', data, dims);
    }
    case 'int64': {
      const data = new BigInt64Array(size);
      for (let i = 0; i < size; i++) data[i] = BigInt(hash(i) >>> 24);
      return new ort.Tensor('int64', data, dims);
    }
    default:
      throw new Error(`input ${meta.name}: measure.ts feeds uint8, float32, int32 or int64, not ${meta.type}`);
  }
}

export async function measure(modelPath: string, runs = 20, options: MeasureOptions = {}): Promise<Measured> {
  const batch = options.batch ?? 1;
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch must be a positive integer, got ${batch}`);
  const { createSession, loadOrtWeb } = await import('./ort-web.ts');
  const ort = await loadOrtWeb();
  // A one-node model brings the runtime up, so the model's own creation time is separate.
  const tiny = new GraphBuilder('warmup');
  tiny.input('x', DType.FLOAT, [1]);
  tiny.node('Identity', ['x'], ['y']);
  tiny.output('y', DType.FLOAT, [1]);
  let t = performance.now();
  await (await createSession(tiny.toBytes('warm-up'))).release();
  const runtimeInitMs = performance.now() - t;

  const bytes = new Uint8Array(readFileSync(modelPath));
  t = performance.now();
  const externalData = options.externalData
    ? [{ path: basename(options.externalData), data: new Uint8Array(readFileSync(options.externalData)) }]
    : undefined;
  const split = options.splitWeights ? externalizeWeights(bytes) : undefined;
  const session = split
    ? await createSession(split.graph, { externalData: split.externalData })
    : await createSession(bytes, externalData ? { externalData } : {});
  const sessionCreateMs = performance.now() - t;
  const feeds = Object.fromEntries(
    (session.inputMetadata as unknown as InputMeta[]).map((meta) => [meta.name, inputTensor(ort, meta, batch)]),
  );
  t = performance.now();
  await session.run(feeds);
  const firstInferMs = performance.now() - t;
  if (memories.length === 0) throw new Error('could not find the ORT wasm memory');
  const wasmMemoryBytes = Math.max(...memories.map((m) => m.buffer.byteLength));
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t);
  }
  const wasmMemoryBytesWarm = Math.max(...memories.map((m) => m.buffer.byteLength));
  await session.release();
  const ortVersion = (ort.env.versions as Record<string, string>).web;
  return {
    wasmMemoryBytes,
    wasmMemoryBytesWarm,
    sessionCreateMs: round1(sessionCreateMs),
    runtimeInitMs: round1(runtimeInitMs),
    firstInferMs: round1(firstInferMs),
    inferMs: round1(median(times)),
    runtime: `onnxruntime-web ${ortVersion} wasm SIMD, 1 thread, Node ${process.versions.node}, ${runs} warm runs`,
    ...(batch !== 1 ? { batch } : {}),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const flag = (name: string) => { const at = args.indexOf(name); return at >= 0 ? args.splice(at, 2)[1] : undefined; };
  const batch = flag('--batch');
  const externalData = flag('--external-data');
  const splitAt = args.indexOf('--split-weights');
  if (splitAt >= 0) args.splice(splitAt, 1);
  const [modelPath, runs] = args;
  process.stdout.write(
    JSON.stringify(await measure(modelPath, runs ? Number(runs) : undefined, { batch: batch ? Number(batch) : undefined, externalData, splitWeights: splitAt >= 0 })) + '\n',
  );
}
