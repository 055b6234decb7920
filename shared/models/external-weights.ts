/**
 * Moves an ONNX model's large initializers out of the graph, as ONNX "external
 * data", without copying them: each becomes a view into the original bytes,
 * handed to onnxruntime-web's `externalData` session option under a location
 * of its own. Only the small rest of the model is re-encoded.
 *
 * Why: given one self-contained file, onnxruntime-web copies the whole file
 * into wasm memory, parses it (a second copy of every weight) and then builds
 * the tensors, and wasm memory never shrinks. Measured with MobileCLIP-S0
 * size-alike graphs (bench/standins.mjs): the text tower 128.9 MiB of wasm
 * memory as one file (over a Worker's 128 MB), 64.8 MiB with its weights as
 * external data. The weights are the same bytes, so outputs are identical.
 *
 * A minimal protobuf walk over ModelProto -> GraphProto.initializer ->
 * TensorProto.raw_data; every other field is copied through as it is. Weights
 * held in Constant nodes (PP-OCR's paddle2onnx exports) become initializers of
 * the same name first, which is what onnxruntime turns them into anyway.
 */

import { joinChunks } from '../ingest/read-capped.ts';

/** Smaller initializers stay inline: per-file overhead in ORT outweighs the copy. */
const MIN_EXTERNAL_BYTES = 1024;

// Field numbers from onnx.proto3.
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_OUTPUT = 12;
const VALUE_INFO_NAME = 1;
const NODE_OUTPUT = 2;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const NODE_DOMAIN = 7;
const ATTRIBUTE_NAME = 1;
const ATTRIBUTE_TENSOR = 5;
const TENSOR_NAME = 8;
const TENSOR_RAW_DATA = 9;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;
const DATA_LOCATION_EXTERNAL = 1;
const LENGTH_DELIMITED = 2;

export interface ExternalWeights {
  /** The model without the moved weights. */
  graph: Uint8Array;
  /** One entry per moved initializer: `path` is its location in the graph, `data` a view into the input. */
  externalData: Array<{ path: string; data: Uint8Array }>;
}

export class OnnxFormatError extends Error {}

interface Field {
  number: number;
  wireType: number;
  /** The whole field, tag included: copied as is when untouched. */
  start: number;
  end: number;
  /** Payload of a length-delimited field. */
  payloadStart: number;
}

function readVarint(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = at; i < bytes.length && i < at + 10; i++) {
    const byte = bytes[i]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value, next: i + 1 };
    scale *= 128;
  }
  throw new OnnxFormatError(`truncated varint at byte ${at}`);
}

function* fields(bytes: Uint8Array, start: number, end: number): Generator<Field> {
  let at = start;
  while (at < end) {
    const tag = readVarint(bytes, at);
    const number = Math.floor(tag.value / 8);
    const wireType = tag.value % 8;
    let payloadStart = tag.next;
    let next: number;
    switch (wireType) {
      case 0:
        next = readVarint(bytes, tag.next).next;
        break;
      case 1:
        next = tag.next + 8;
        break;
      case LENGTH_DELIMITED: {
        const length = readVarint(bytes, tag.next);
        payloadStart = length.next;
        next = length.next + length.value;
        break;
      }
      case 5:
        next = tag.next + 4;
        break;
      default:
        throw new OnnxFormatError(`unsupported wire type ${wireType} at byte ${at}`);
    }
    if (next > end) throw new OnnxFormatError(`field ${number} runs past its message at byte ${at}`);
    yield { number, wireType, start: at, end: next, payloadStart };
    at = next;
  }
}

function varint(value: number): number[] {
  const out: number[] = [];
  while (value >= 0x80) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

/** Appends encoded pieces and joins them once. */
class Writer {
  private readonly parts: Uint8Array[] = [];
  length = 0;
  bytes(part: Uint8Array): void {
    this.parts.push(part);
    this.length += part.byteLength;
  }
  tag(number: number, wireType: number): void {
    this.bytes(Uint8Array.from(varint(number * 8 + wireType)));
  }
  message(number: number, body: Writer): void {
    this.tag(number, LENGTH_DELIMITED);
    this.bytes(Uint8Array.from(varint(body.length)));
    for (const part of body.parts) this.bytes(part);
  }
  string(number: number, value: string): void {
    const encoded = new TextEncoder().encode(value);
    this.tag(number, LENGTH_DELIMITED);
    this.bytes(Uint8Array.from(varint(encoded.byteLength)));
    this.bytes(encoded);
  }
  join(): Uint8Array {
    return joinChunks(this.parts, this.length);
  }
}

export function externalizeWeights(model: Uint8Array): ExternalWeights {
  const externalData: ExternalWeights['externalData'] = [];
  const out = new Writer();
  for (const field of fields(model, 0, model.byteLength)) {
    if (field.number === MODEL_GRAPH && field.wireType === LENGTH_DELIMITED) out.message(MODEL_GRAPH, graphWithout(model, field, externalData));
    else out.bytes(model.subarray(field.start, field.end));
  }
  return { graph: out.join(), externalData };
}

const text = (model: Uint8Array, field: Field) => new TextDecoder().decode(model.subarray(field.payloadStart, field.end));

function graphWithout(model: Uint8Array, graph: Field, externalData: ExternalWeights['externalData']): Writer {
  const out = new Writer();
  const graphFields = [...fields(model, graph.payloadStart, graph.end)];
  // A graph output cannot be an initializer: the Constant nodes producing one stay.
  const outputs = new Set<string>();
  for (const field of graphFields) {
    if (field.number !== GRAPH_OUTPUT || field.wireType !== LENGTH_DELIMITED) continue;
    for (const part of fields(model, field.payloadStart, field.end)) if (part.number === VALUE_INFO_NAME) outputs.add(text(model, part));
  }
  for (const field of graphFields) {
    const constant = field.number === GRAPH_NODE && field.wireType === LENGTH_DELIMITED ? constantWeight(model, field, outputs) : undefined;
    if (constant) out.message(GRAPH_INITIALIZER, tensorWithout(model, constant.tensor, externalData, constant.name));
    else if (field.number === GRAPH_INITIALIZER && field.wireType === LENGTH_DELIMITED) out.message(GRAPH_INITIALIZER, tensorWithout(model, field, externalData));
    else out.bytes(model.subarray(field.start, field.end));
  }
  return out;
}

/** A Constant node whose `value` is a tensor with weights worth moving: its tensor and output name. */
function constantWeight(model: Uint8Array, node: Field, graphOutputs: Set<string>): { tensor: Field; name: string } | undefined {
  const parts = [...fields(model, node.payloadStart, node.end)];
  const op = parts.find((f) => f.number === NODE_OP_TYPE);
  if (!op || text(model, op) !== 'Constant') return undefined;
  const domain = parts.find((f) => f.number === NODE_DOMAIN);
  if (domain && text(model, domain) !== '' && text(model, domain) !== 'ai.onnx') return undefined;
  const outputs = parts.filter((f) => f.number === NODE_OUTPUT);
  const attributes = parts.filter((f) => f.number === NODE_ATTRIBUTE);
  if (outputs.length !== 1 || attributes.length !== 1) return undefined;
  const name = text(model, outputs[0]!);
  if (graphOutputs.has(name)) return undefined;
  const attribute = [...fields(model, attributes[0]!.payloadStart, attributes[0]!.end)];
  const attributeName = attribute.find((f) => f.number === ATTRIBUTE_NAME);
  const tensor = attribute.find((f) => f.number === ATTRIBUTE_TENSOR && f.wireType === LENGTH_DELIMITED);
  if (!attributeName || text(model, attributeName) !== 'value' || !tensor) return undefined;
  const raw = [...fields(model, tensor.payloadStart, tensor.end)].find((f) => f.number === TENSOR_RAW_DATA && f.wireType === LENGTH_DELIMITED);
  if (!raw || raw.end - raw.payloadStart < MIN_EXTERNAL_BYTES) return undefined;
  return { tensor, name };
}

/** The tensor with its raw_data moved to external data (and named `rename`, for a Constant's value). */
function tensorWithout(model: Uint8Array, tensor: Field, externalData: ExternalWeights['externalData'], rename?: string): Writer {
  const out = new Writer();
  const parts = [...fields(model, tensor.payloadStart, tensor.end)];
  const raw = parts.find((f) => f.number === TENSOR_RAW_DATA && f.wireType === LENGTH_DELIMITED);
  const alreadyExternal = parts.some((f) => f.number === TENSOR_DATA_LOCATION || f.number === TENSOR_EXTERNAL_DATA);
  if (!raw || alreadyExternal || raw.end - raw.payloadStart < MIN_EXTERNAL_BYTES) {
    out.bytes(model.subarray(tensor.payloadStart, tensor.end));
    return out;
  }
  for (const field of parts) {
    if (field === raw || (rename !== undefined && field.number === TENSOR_NAME)) continue;
    out.bytes(model.subarray(field.start, field.end));
  }
  if (rename !== undefined) out.string(TENSOR_NAME, rename);
  const path = `weights/${externalData.length}`;
  const data = model.subarray(raw.payloadStart, raw.end);
  externalData.push({ path, data });
  for (const [key, value] of [
    ['location', path],
    ['offset', '0'],
    ['length', String(data.byteLength)],
  ] as const) {
    const entry = new Writer();
    entry.string(ENTRY_KEY, key);
    entry.string(ENTRY_VALUE, value);
    out.message(TENSOR_EXTERNAL_DATA, entry);
  }
  out.tag(TENSOR_DATA_LOCATION, 0);
  out.bytes(Uint8Array.from(varint(DATA_LOCATION_EXTERNAL)));
  return out;
}
