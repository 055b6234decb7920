// Small ONNX graph builder on top of onnx-proto (protobufjs). Everything is added in a
// fixed order and tensors are stored as raw little-endian bytes, so the same recipe
// always serialises to the same bytes (the tests check the sha256 of a rebuild).
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export const DType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, FLOAT16: 10 } as const;
export type DTypeId = (typeof DType)[keyof typeof DType];

export type AttrValue = number | number[] | string | { float: number };

// FLOAT16 tensors are passed as their IEEE half bit patterns in a Uint16Array.
type TypedData = Float32Array | Uint8Array | Int8Array | Int32Array | BigInt64Array | Uint16Array;

function rawBytes(data: TypedData): Uint8Array {
  // Copy so later mutation of the caller's array cannot change the model; the host is
  // little-endian (x86/ARM), which is what raw_data requires.
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

export class GraphBuilder {
  private nodes: onnxProto.onnx.INodeProto[] = [];
  private initializers: onnxProto.onnx.ITensorProto[] = [];
  private inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private names = new Set<string>();
  private counter = 0;
  readonly name: string;

  constructor(name: string) {
    this.name = name;
  }

  // Unique tensor name; readable prefixes make Netron and ORT error messages useful.
  fresh(prefix: string): string {
    let n = prefix;
    while (this.names.has(n)) n = `${prefix}_${++this.counter}`;
    this.names.add(n);
    return n;
  }

  private valueInfo(name: string, elemType: DTypeId, dims: (number | string)[]): onnxProto.onnx.IValueInfoProto {
    return {
      name,
      type: {
        tensorType: {
          elemType,
          shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
        },
      },
    };
  }

  input(name: string, elemType: DTypeId, dims: (number | string)[]): string {
    this.names.add(name);
    this.inputs.push(this.valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, elemType: DTypeId, dims: (number | string)[]): void {
    this.outputs.push(this.valueInfo(name, elemType, dims));
  }

  constant(prefix: string, dataType: DTypeId, dims: number[], data: TypedData): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== data.length) throw new Error(`${prefix}: ${data.length} values for dims [${dims}]`);
    const name = this.fresh(prefix);
    this.initializers.push({ name, dataType, dims, rawData: rawBytes(data) });
    return name;
  }

  f32(prefix: string, dims: number[], values: ArrayLike<number>): string {
    return this.constant(prefix, DType.FLOAT, dims, Float32Array.from(values));
  }
  u8(prefix: string, dims: number[], values: ArrayLike<number>): string {
    return this.constant(prefix, DType.UINT8, dims, Uint8Array.from(values));
  }
  i32(prefix: string, dims: number[], values: ArrayLike<number>): string {
    return this.constant(prefix, DType.INT32, dims, Int32Array.from(values));
  }
  i64(prefix: string, dims: number[], values: number[]): string {
    return this.constant(prefix, DType.INT64, dims, BigInt64Array.from(values.map((v) => BigInt(v))));
  }

  // Adds a node; returns its output names. `outputs` may be a count or explicit names.
  node(opType: string, inputs: string[], outputs: number | string[] = 1, attrs: Record<string, AttrValue> = {}, domain = ''): string[] {
    const outNames = typeof outputs === 'number'
      ? Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase()))
      : outputs.map((n) => { this.names.add(n); return n; });
    const attribute: onnxProto.onnx.IAttributeProto[] = Object.keys(attrs).map((k) => {
      const v = attrs[k];
      const A = onnx.AttributeProto.AttributeType;
      if (typeof v === 'string') return { name: k, type: A.STRING, s: new TextEncoder().encode(v) };
      if (Array.isArray(v)) return { name: k, type: A.INTS, ints: v };
      if (typeof v === 'object') return { name: k, type: A.FLOAT, f: v.float };
      return { name: k, type: A.INT, i: v };
    });
    this.nodes.push({ opType, input: inputs, output: outNames, name: this.fresh(`${opType}_node`), attribute, domain });
    return outNames;
  }

  one(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, domain = ''): string {
    return this.node(opType, inputs, 1, attrs, domain)[0];
  }

  toBytes(docString: string, opset = 13): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'edge-vision-functions/models/tools',
      producerVersion: '1',
      docString,
      opsetImport: [{ domain: '', version: opset }],
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
