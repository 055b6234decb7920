// Minimal reader for the TFLite flatbuffer schema (tensorflow/lite/schema/schema.fbs).
// Only the tables and fields the MobileNet recipes need are decoded; field ids follow
// the schema's declaration order (vtable slot = 4 + 2 * id), which TFLite never reorders.
import * as flatbuffers from 'flatbuffers';

export const TensorType = { FLOAT32: 0, FLOAT16: 1, INT32: 2, UINT8: 3, INT64: 4, INT8: 9 } as const;

// BuiltinOperator values (only those we may meet; unknown ones are reported by number).
export const BuiltinOp: Record<number, string> = {
  0: 'ADD', 1: 'AVERAGE_POOL_2D', 2: 'CONCATENATION', 3: 'CONV_2D', 4: 'DEPTHWISE_CONV_2D',
  6: 'DEQUANTIZE', 9: 'FULLY_CONNECTED', 14: 'LOGISTIC', 17: 'MAX_POOL_2D', 18: 'MUL',
  19: 'RELU', 21: 'RELU6', 22: 'RESHAPE', 23: 'RESIZE_BILINEAR', 25: 'SOFTMAX', 40: 'MEAN',
  114: 'QUANTIZE',
};

export const Padding = { SAME: 0, VALID: 1 } as const;
export const Activation = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3 } as const;

export interface Quantization {
  scale: number[];
  zeroPoint: number[];
  min: number[];
  max: number[];
  quantizedDimension: number;
}

export interface Tensor {
  index: number;
  name: string;
  shape: number[];
  type: number;
  buffer: number;
  quantization: Quantization | null;
  data: Uint8Array | null; // raw little-endian bytes of a constant tensor, or null for activations
}

export interface Operator {
  opcode: string; // BuiltinOp name, or 'BUILTIN_<n>' / 'CUSTOM:<name>'
  inputs: number[];
  outputs: number[];
  options: Record<string, number | number[]>;
}

export interface TfliteModel {
  version: number;
  description: string;
  tensors: Tensor[];
  operators: Operator[];
  inputs: number[];
  outputs: number[];
}

// A positioned flatbuffer table with typed accessors by field id.
class Table {
  readonly bb: flatbuffers.ByteBuffer;
  readonly pos: number;
  constructor(bb: flatbuffers.ByteBuffer, pos: number) {
    this.bb = bb;
    this.pos = pos;
  }
  private off(id: number): number {
    return this.bb.__offset(this.pos, 4 + 2 * id);
  }
  has(id: number): boolean {
    return this.off(id) !== 0;
  }
  u8(id: number, dflt = 0): number {
    const o = this.off(id);
    return o ? this.bb.readUint8(this.pos + o) : dflt;
  }
  i8(id: number, dflt = 0): number {
    const o = this.off(id);
    return o ? this.bb.readInt8(this.pos + o) : dflt;
  }
  i32(id: number, dflt = 0): number {
    const o = this.off(id);
    return o ? this.bb.readInt32(this.pos + o) : dflt;
  }
  u32(id: number, dflt = 0): number {
    const o = this.off(id);
    return o ? this.bb.readUint32(this.pos + o) : dflt;
  }
  f32(id: number, dflt = 0): number {
    const o = this.off(id);
    return o ? this.bb.readFloat32(this.pos + o) : dflt;
  }
  str(id: number): string {
    const o = this.off(id);
    return o ? (this.bb.__string(this.pos + o) as string) : '';
  }
  table(id: number): Table | null {
    const o = this.off(id);
    return o ? new Table(this.bb, this.bb.__indirect(this.pos + o)) : null;
  }
  private vec(id: number): { start: number; len: number } | null {
    const o = this.off(id);
    if (!o) return null;
    return { start: this.bb.__vector(this.pos + o), len: this.bb.__vector_len(this.pos + o) };
  }
  tables(id: number): Table[] {
    const v = this.vec(id);
    const out: Table[] = [];
    if (!v) return out;
    for (let i = 0; i < v.len; i++) out.push(new Table(this.bb, this.bb.__indirect(v.start + 4 * i)));
    return out;
  }
  i32s(id: number): number[] {
    const v = this.vec(id);
    const out: number[] = [];
    if (v) for (let i = 0; i < v.len; i++) out.push(this.bb.readInt32(v.start + 4 * i));
    return out;
  }
  f32s(id: number): number[] {
    const v = this.vec(id);
    const out: number[] = [];
    if (v) for (let i = 0; i < v.len; i++) out.push(this.bb.readFloat32(v.start + 4 * i));
    return out;
  }
  i64s(id: number): number[] {
    const v = this.vec(id);
    const out: number[] = [];
    if (v) for (let i = 0; i < v.len; i++) out.push(Number(this.bb.readInt64(v.start + 8 * i)));
    return out;
  }
  bytes(id: number): Uint8Array | null {
    const v = this.vec(id);
    if (!v) return null;
    // A copy, aligned and detached from the file (Node Buffers share a pool, and int32
    // views need 4-byte alignment).
    return Uint8Array.prototype.slice.call(this.bb.bytes(), v.start, v.start + v.len);
  }
}

// BuiltinOptions union type ids -> decoder of that options table.
function readOptions(type: number, t: Table | null): Record<string, number | number[]> {
  if (!t) return {};
  switch (type) {
    case 1: // Conv2DOptions
      return {
        padding: t.i8(0), strideW: t.i32(1), strideH: t.i32(2), activation: t.i8(3),
        dilationW: t.i32(4, 1), dilationH: t.i32(5, 1),
      };
    case 2: // DepthwiseConv2DOptions
      return {
        padding: t.i8(0), strideW: t.i32(1), strideH: t.i32(2), depthMultiplier: t.i32(3),
        activation: t.i8(4), dilationW: t.i32(5, 1), dilationH: t.i32(6, 1),
      };
    case 5: // Pool2DOptions
      return {
        padding: t.i8(0), strideW: t.i32(1), strideH: t.i32(2), filterW: t.i32(3), filterH: t.i32(4),
        activation: t.i8(5),
      };
    case 8: // FullyConnectedOptions
      return { activation: t.i8(0) };
    case 9: // SoftmaxOptions
      return { beta: t.f32(0) };
    case 11: // AddOptions
      return { activation: t.i8(0) };
    case 17: // ReshapeOptions
      return { newShape: t.i32s(0) };
    default:
      return { unknownOptionsType: type };
  }
}

export function readTflite(file: Uint8Array): TfliteModel {
  const bb = new flatbuffers.ByteBuffer(file);
  if (bb.__has_identifier && !bb.__has_identifier('TFL3')) throw new Error('not a TFLite file (identifier != TFL3)');
  const model = new Table(bb, bb.readInt32(bb.position()) + bb.position());
  const opcodes = model.tables(1).map((oc) => {
    // Newer files keep small codes in the deprecated int8 field and large ones in builtin_code.
    const code = Math.max(oc.i8(0), oc.i32(3));
    if (code === 32) return 'CUSTOM:' + oc.str(1);
    return BuiltinOp[code] ?? `BUILTIN_${code}`;
  });
  const buffers = model.tables(4).map((b) => b.bytes(0));
  const subgraphs = model.tables(2);
  if (subgraphs.length !== 1) throw new Error(`expected 1 subgraph, found ${subgraphs.length}`);
  const sg = subgraphs[0];
  const tensors: Tensor[] = sg.tables(0).map((t, index) => {
    const q = t.table(4);
    const buffer = t.u32(2);
    const data = buffers[buffer];
    return {
      index,
      name: t.str(3),
      shape: t.i32s(0),
      type: t.i8(1),
      buffer,
      quantization: q
        ? { min: q.f32s(0), max: q.f32s(1), scale: q.f32s(2), zeroPoint: q.i64s(3), quantizedDimension: q.i32(6) }
        : null,
      data: data && data.length > 0 ? data : null,
    };
  });
  const operators: Operator[] = sg.tables(3).map((op) => ({
    opcode: opcodes[op.u32(0)],
    inputs: op.i32s(1),
    outputs: op.i32s(2),
    options: readOptions(op.u8(3), op.table(4)),
  }));
  return {
    version: model.u32(0),
    description: model.str(3),
    tensors,
    operators,
    inputs: sg.i32s(1),
    outputs: sg.i32s(2),
  };
}
