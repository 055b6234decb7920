import { describe, expect, it } from 'vitest';
import { decodeTensors, encodeTensors, WireError } from './tensor-wire.ts';

describe('tensor messages', () => {
  it('round-trips every type, dims and fetches, with aligned views and no rounding', () => {
    const message = {
      tensors: {
        pixel_values: { type: 'float32' as const, data: Float32Array.from([0.1, -2.5e-8, Math.PI, 1e30]), dims: [1, 1, 2, 2] },
        input_ids: { type: 'int64' as const, data: BigInt64Array.from([49406n, 320n, 49407n]), dims: [1, 3] },
        odd: { type: 'uint8' as const, data: Uint8Array.from([1, 2, 3]), dims: [3] },
        signed: { type: 'int8' as const, data: Int8Array.from([-128, 127]), dims: [2] },
        counts: { type: 'int32' as const, data: Int32Array.from([-1, 7]), dims: [2] },
        empty: { type: 'float32' as const, data: new Float32Array(0), dims: [0, 512] },
      },
      fetches: ['image_embeds'],
    };
    const decoded = decodeTensors(encodeTensors(message));
    expect(decoded.fetches).toEqual(['image_embeds']);
    for (const [name, tensor] of Object.entries(message.tensors)) {
      expect(decoded.tensors[name]!.type).toBe(tensor.type);
      expect(decoded.tensors[name]!.dims).toEqual(tensor.dims);
      expect(Array.from(decoded.tensors[name]!.data as ArrayLike<number | bigint>)).toEqual(Array.from(tensor.data as ArrayLike<number | bigint>));
    }
  });

  it('decodes a message that starts at an unaligned offset of its buffer', () => {
    const bytes = encodeTensors({ tensors: { x: { type: 'float32', data: Float32Array.from([1, 2]), dims: [2] } } });
    const shifted = new Uint8Array(bytes.byteLength + 1).subarray(1);
    shifted.set(bytes);
    expect(Array.from(decodeTensors(shifted).tensors.x!.data as Float32Array)).toEqual([1, 2]);
  });

  it('refuses to encode data that does not fill its dims, and lays tensors out from the start of the data section', () => {
    expect(() => encodeTensors({ tensors: { x: { type: 'float32', data: new Float32Array(3), dims: [2, 2] } } })).toThrow(WireError);
    const bytes = encodeTensors({ tensors: { x: { type: 'float32', data: new Float32Array(4), dims: [2, 2] } } });
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + new DataView(bytes.buffer).getUint32(4, true))));
    expect(header.tensors[0]).toMatchObject({ name: 'x', offset: 0, length: 16 });
  });

  it('refuses malformed messages with a WireError, never a crash or a read past the end', () => {
    const good = encodeTensors({ tensors: { x: { type: 'float32', data: new Float32Array(4), dims: [4] } } });
    const withHeader = (header: unknown, dataBytes = 16) => {
      const json = new TextEncoder().encode(JSON.stringify(header));
      const base = Math.ceil((8 + json.byteLength) / 8) * 8;
      const out = new Uint8Array(base + dataBytes);
      new DataView(out.buffer).setUint32(0, 0x31545645, true);
      new DataView(out.buffer).setUint32(4, json.byteLength, true);
      out.set(json, 8);
      return out;
    };
    const bad = [
      new Uint8Array(0),
      new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
      good.subarray(0, 12),
      good.subarray(0, good.byteLength - 4),
      withHeader({ tensors: [{ name: 'x', type: 'float32', dims: [4], offset: 8, length: 16 }] }),
      withHeader({ tensors: [{ name: 'x', type: 'float32', dims: [5], offset: 0, length: 16 }] }),
      withHeader({ tensors: [{ name: 'x', type: 'float32', dims: [4], offset: 4, length: 16 }] }, 24),
      withHeader({ tensors: [{ name: 'x', type: 'float64', dims: [2], offset: 0, length: 16 }] }),
      withHeader({ tensors: [{ name: 'x', type: 'float32', dims: [-4], offset: 0, length: 16 }] }),
      withHeader({ tensors: [{ name: 'x', type: 'float32', dims: [4], offset: 0, length: 16, extra: 1 }] }),
      withHeader({ tensors: [{ name: 'x', type: 'float32', dims: [2], offset: 0, length: 8 }, { name: 'x', type: 'float32', dims: [2], offset: 8, length: 8 }] }),
      withHeader('not an object'),
    ];
    for (const bytes of bad) expect(() => decodeTensors(bytes)).toThrow(WireError);
  });
});
