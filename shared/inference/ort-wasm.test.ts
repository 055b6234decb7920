import { describe, expect, it } from 'vitest';
import emptyModule from './fixtures/empty.wasm';
import { onnxRuntime, ortMemoryBytes } from './ort-wasm.ts';
import { identitySession } from './ort-wasm.test-model.ts';

// Re-run on every onnxruntime-web upgrade: the adapter leans on how ORT's
// Emscripten glue instantiates its wasm.
describe('onnxruntime-web adapter for workerd', () => {
  it('is needed: workerd refuses to compile wasm from bytes', async () => {
    const bytes = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    await expect(WebAssembly.instantiate(bytes)).rejects.toThrow(/code generation|disallowed/i);
  });

  it('starts ORT on its build-time-compiled module, single-threaded', async () => {
    const ort = await onnxRuntime();
    expect(ort.env.wasm.numThreads).toBe(1);
    // A session can only be created if the wasm was instantiated through the shim.
    const { session } = await identitySession(ort);
    const input = new ort.Tensor('float32', new Float32Array([1, 2, 3, 4]), [1, 4]);
    const output = await session.run({ x: input });
    expect(Array.from(output.y!.data as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(ortMemoryBytes()).toBeGreaterThan(0);
  });

  it('passes every other instantiate call through untouched', async () => {
    await onnxRuntime();
    const instance = await WebAssembly.instantiate(emptyModule);
    expect(instance).toBeInstanceOf(WebAssembly.Instance);
  });
});
