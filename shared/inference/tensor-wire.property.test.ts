import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { identityBytes } from './ort-wasm.test-model.ts';
import { externalizeWeights, OnnxFormatError } from '../models/external-weights.ts';
import { decodeTensors, encodeTensors, WireError } from './tensor-wire.ts';

// What crosses a service binding and what a model file holds are read by code that must
// fail with its own error type on any input, never with a RangeError or a read past the end.
const onlyThrows = (errorType: new (...args: never[]) => Error, run: () => unknown) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(errorType);
  }
};

const valid = encodeTensors({
  tensors: {
    pixel_values: { type: 'float32', data: Float32Array.from({ length: 24 }, (_, i) => i / 7), dims: [1, 2, 3, 4] },
    input_ids: { type: 'int64', data: BigInt64Array.from([49406n, 320n, 49407n]), dims: [1, 3] },
  },
  fetches: ['image_embeds'],
});

/** The bytes with some of them overwritten, some cut off or some appended. */
const mutated = (base: Uint8Array) =>
  fc
    .tuple(fc.array(fc.tuple(fc.nat(base.byteLength - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(base.byteLength), fc.uint8Array({ maxLength: 16 }))
    .map(([writes, cut, tail]) => {
      const bytes = Uint8Array.from(base);
      for (const [at, value] of writes) bytes[at] = value;
      const kept = bytes.subarray(0, cut);
      const out = new Uint8Array(kept.byteLength + tail.byteLength);
      out.set(kept);
      out.set(tail, kept.byteLength);
      return out;
    });

describe('hostile bytes', () => {
  it('tensor messages: random and mutated messages decode or fail with WireError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => onlyThrows(WireError, () => decodeTensors(bytes))), { numRuns: 300 });
    fc.assert(fc.property(mutated(valid), (bytes) => onlyThrows(WireError, () => decodeTensors(bytes))), { numRuns: 500 });
  });

  it('ONNX files: random and mutated models split or fail with OnnxFormatError', async () => {
    // A graph without initializers, and one with (13 KB: most writes land in its structure, not its weights).
    const withWeights = new Uint8Array(await (await env.MODEL_FILES.fetch('https://model-files/mobileclip-test/image_model.onnx')).arrayBuffer());
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => onlyThrows(OnnxFormatError, () => externalizeWeights(bytes))), { numRuns: 300 });
    for (const model of [identityBytes(), withWeights]) {
      fc.assert(fc.property(mutated(model), (bytes) => onlyThrows(OnnxFormatError, () => externalizeWeights(bytes))), { numRuns: 500 });
    }
  });
});
