// Measures one ONNX model under onnxruntime-web's WASM backend (single thread, SIMD), the
// way the Worker runs it. Run one model per process: wasm memory never shrinks, so a
// shared process would report the sum of every model loaded before.
//   node --experimental-strip-types models/tools/measure.ts <model.onnx> [runs]
// prints the Measured fields below as JSON.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DType, GraphBuilder } from './onnx.ts';

export interface Measured {
  wasmMemoryBytes: number; // ORT's wasm linear memory after session creation + 1 inference
  wasmMemoryBytesWarm: number; // the same after the warm runs (the arena can still grow)
  sessionCreateMs: number; // InferenceSession.create for this model, runtime already up
  runtimeInitMs: number; // one-off per isolate: wasm instantiation + ORT init
  firstInferMs: number;
  inferMs: number; // median of warm runs
  runtime: string;
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

export async function measure(modelPath: string, runs = 20): Promise<Measured> {
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
  const session = await createSession(bytes);
  const sessionCreateMs = performance.now() - t;
  const meta = session.inputMetadata[0] as unknown as { name: string; type: string; shape: number[] };
  const size = meta.shape.reduce((a, b) => a * b, 1);
  // Fixed pseudo-random pixels: these kernels' timing does not depend on the values.
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = Math.imul(i, 2654435761) >>> 24;
  if (meta.type !== 'uint8') throw new Error(`measure expects a uint8 input, got ${meta.type}`);
  const feeds = { [meta.name]: new ort.Tensor('uint8', data, meta.shape) };
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
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [modelPath, runs] = process.argv.slice(2);
  process.stdout.write(JSON.stringify(await measure(modelPath, runs ? Number(runs) : undefined)) + '\n');
}
