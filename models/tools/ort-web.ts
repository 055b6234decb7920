// onnxruntime-web's WASM backend in Node, configured as in the Worker: single thread,
// SIMD, no proxy worker, wasm bytes handed over explicitly (no fetch or dynamic import).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as OrtTypes from 'onnxruntime-web';

type Ort = typeof OrtTypes;
let ortPromise: Promise<Ort> | null = null;

export function loadOrtWeb(): Promise<Ort> {
  ortPromise ??= (async () => {
    const ort = (await import('onnxruntime-web/wasm')) as unknown as Ort;
    const require = createRequire(import.meta.url);
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    ort.env.wasm.wasmBinary = readFileSync(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
    return ort;
  })();
  return ortPromise;
}

// `extra` adds session options (e.g. externalData) to the Worker's own.
export async function createSession(model: Uint8Array, extra: OrtTypes.InferenceSession.SessionOptions = {}): Promise<OrtTypes.InferenceSession> {
  const ort = await loadOrtWeb();
  return ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', ...extra });
}

// Runs a single-input model on NHWC uint8 pixels; returns the first output's data.
export async function runPixels(session: OrtTypes.InferenceSession, pixels: Uint8Array, size: number): Promise<Float32Array> {
  const ort = await loadOrtWeb();
  const feeds = { [session.inputNames[0]]: new ort.Tensor('uint8', pixels, [1, size, size, 3]) };
  const out = await session.run(feeds);
  return out[session.outputNames[0]].data as Float32Array;
}
