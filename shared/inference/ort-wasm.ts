import * as ort from 'onnxruntime-web/wasm';
import ortWasmModule from '../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm';

/**
 * onnxruntime-web inside workerd. workerd forbids compiling WebAssembly from
 * bytes, and ORT has no option that accepts a precompiled module: given
 * `wasmBinary` its Emscripten glue calls `WebAssembly.instantiate(bytes)`,
 * and without it the glue tries a dynamic import that workerd cannot serve.
 * So ORT is handed a marker as `wasmBinary`, and `WebAssembly.instantiate`
 * is wrapped once per isolate: called with bytes equal to the marker (the
 * glue copies the buffer, so contents are compared, not identity) it
 * instantiates the build-time-compiled ORT module with the glue's imports.
 * Every other call passes through untouched.
 *
 * This leans on the glue's internals: re-run shared/inference/ort-wasm.test.ts
 * on every onnxruntime-web upgrade.
 */
const MARKER = new TextEncoder().encode('edge-vision:onnxruntime-web-precompiled-module');

let prepared: Promise<typeof ort> | undefined;
let wasmMemory: WebAssembly.Memory | undefined;

function isMarker(source: unknown): boolean {
  let bytes: Uint8Array;
  if (source instanceof Uint8Array) bytes = source;
  else if (source instanceof ArrayBuffer) bytes = new Uint8Array(source);
  else if (ArrayBuffer.isView(source)) bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  else return false;
  if (bytes.byteLength !== MARKER.byteLength) return false;
  for (let i = 0; i < MARKER.byteLength; i++) if (bytes[i] !== MARKER[i]) return false;
  return true;
}

function installInstantiateShim(): void {
  const original = WebAssembly.instantiate.bind(WebAssembly) as (source: unknown, imports?: WebAssembly.Imports) => Promise<unknown>;
  const shim = (source: unknown, imports?: WebAssembly.Imports): Promise<unknown> => {
    if (!isMarker(source)) return original(source, imports);
    return (original(ortWasmModule, imports) as Promise<WebAssembly.Instance>).then((instance) => {
      wasmMemory = findMemory(instance, imports);
      return { instance, module: ortWasmModule };
    });
  };
  (WebAssembly as { instantiate: unknown }).instantiate = shim;
}

/** ORT's build imports its memory from the glue (threaded builds share it); older builds export it. */
function findMemory(instance: WebAssembly.Instance, imports: WebAssembly.Imports | undefined): WebAssembly.Memory | undefined {
  const isMemory = (value: unknown): value is WebAssembly.Memory => value instanceof WebAssembly.Memory;
  const exported = Object.values(instance.exports).find(isMemory);
  if (exported) return exported;
  for (const module of Object.values(imports ?? {})) {
    const imported = Object.values(module).find(isMemory);
    if (imported) return imported;
  }
  return undefined;
}

/** ORT configured for workerd, on first use in an isolate (never at import time). */
export function onnxRuntime(): Promise<typeof ort> {
  prepared ??= (async () => {
    installInstantiateShim();
    // No Worker threads in workerd; SIMD works.
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    ort.env.wasm.wasmBinary = MARKER;
    ort.env.logLevel = 'error';
    return ort;
  })();
  return prepared;
}

/** Bytes of ORT's linear memory: it only grows, so this is its high-water mark. */
export function ortMemoryBytes(): number {
  return wasmMemory?.buffer.byteLength ?? 0;
}
