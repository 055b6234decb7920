import { z } from 'zod';

/**
 * Named tensors as one binary message, for running a model in another Worker
 * (shared/models/remote-model.ts): "EVT1", a little-endian u32 header length,
 * the JSON header, then the data section: each tensor's bytes at an 8-byte-aligned
 * offset from the section's (8-aligned) start, so the
 * receiver reads them as typed-array views without copying. Both sides of a
 * service binding validate what they decode: a message is data from outside.
 */

const MAGIC = 0x31545645; // "EVT1" read as a little-endian u32
const ALIGN = 8;
const MAX_TENSORS = 16;
const MAX_RANK = 8;

const ELEMENT_BYTES = { float32: 4, int64: 8, int32: 4, uint8: 1, int8: 1 } as const;
export type WireType = keyof typeof ELEMENT_BYTES;

type WireData = Float32Array | BigInt64Array | Int32Array | Uint8Array | Int8Array;

/** What crosses the wire: an ort.Tensor has these three fields. */
export interface WireTensor {
  type: WireType;
  data: WireData;
  dims: readonly number[];
}

export interface WireMessage {
  tensors: Record<string, WireTensor>;
  /** Output names to compute (requests only). */
  fetches?: string[];
}

const Header = z.strictObject({
  tensors: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(200),
        type: z.enum(Object.keys(ELEMENT_BYTES) as [WireType, ...WireType[]]),
        dims: z.array(z.number().int().nonnegative()).max(MAX_RANK),
        offset: z.number().int().nonnegative(),
        length: z.number().int().nonnegative(),
      }),
    )
    .max(MAX_TENSORS),
  fetches: z.array(z.string().min(1).max(200)).max(MAX_TENSORS).optional(),
});

export class WireError extends Error {}

const alignUp = (n: number) => Math.ceil(n / ALIGN) * ALIGN;
const elementCount = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

export function encodeTensors(message: WireMessage): Uint8Array {
  const entries = Object.entries(message.tensors);
  if (entries.length > MAX_TENSORS) throw new WireError(`at most ${MAX_TENSORS} tensors per message`);
  let size = 0;
  const layout = entries.map(([name, tensor]) => {
    if (!(tensor.type in ELEMENT_BYTES)) throw new WireError(`tensor ${name}: type ${tensor.type} cannot be sent`);
    const length = tensor.data.byteLength;
    if (length !== elementCount(tensor.dims) * ELEMENT_BYTES[tensor.type]) throw new WireError(`tensor ${name}: ${length} bytes do not fill dims [${tensor.dims.join(', ')}]`);
    const offset = size;
    size = alignUp(size + length);
    return { name, type: tensor.type, dims: [...tensor.dims], offset, length };
  });
  const header = new TextEncoder().encode(JSON.stringify({ tensors: layout, ...(message.fetches ? { fetches: message.fetches } : {}) }));
  const base = alignUp(8 + header.byteLength);
  const out = new Uint8Array(base + size);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, header.byteLength, true);
  out.set(header, 8);
  for (const [index, [, tensor]] of entries.entries()) {
    const { offset, length } = layout[index]!;
    out.set(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, length), base + offset);
  }
  return out;
}

export function decodeTensors(bytes: Uint8Array): WireMessage {
  // Typed-array views need the message at an aligned offset of its own buffer.
  const buffer = bytes.byteOffset % ALIGN === 0 ? bytes : bytes.slice();
  if (buffer.byteLength < 8) throw new WireError('message shorter than its preamble');
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new WireError('not a tensor message (bad magic)');
  const headerLength = view.getUint32(4, true);
  if (8 + headerLength > buffer.byteLength) throw new WireError('header runs past the end of the message');
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buffer.subarray(8, 8 + headerLength)));
  } catch {
    throw new WireError('header is not JSON');
  }
  const header = Header.safeParse(parsed);
  if (!header.success) throw new WireError(`header: ${header.error.issues[0]?.message ?? 'invalid'}`);
  const base = alignUp(8 + headerLength);
  const tensors: Record<string, WireTensor> = {};
  for (const { name, type, dims, offset, length } of header.data.tensors) {
    if (name in tensors) throw new WireError(`tensor ${name} given twice`);
    if (offset % ALIGN !== 0 || base + offset + length > buffer.byteLength) throw new WireError(`tensor ${name}: data outside the message`);
    if (length !== elementCount(dims) * ELEMENT_BYTES[type]) throw new WireError(`tensor ${name}: ${length} bytes do not fill dims [${dims.join(', ')}]`);
    tensors[name] = { type, dims, data: typedView(type, buffer.buffer, buffer.byteOffset + base + offset, length) };
  }
  return { tensors, ...(header.data.fetches ? { fetches: header.data.fetches } : {}) };
}

function typedView(type: WireType, buffer: ArrayBufferLike, offset: number, length: number): WireData {
  const n = length / ELEMENT_BYTES[type];
  switch (type) {
    case 'float32':
      return new Float32Array(buffer, offset, n);
    case 'int64':
      return new BigInt64Array(buffer, offset, n);
    case 'int32':
      return new Int32Array(buffer, offset, n);
    case 'uint8':
      return new Uint8Array(buffer, offset, n);
    case 'int8':
      return new Int8Array(buffer, offset, n);
  }
}
