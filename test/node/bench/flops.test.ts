import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { modelCompute } from '../../../bench/lib/flops.mjs';

const { onnx } = onnxProto;
const FLOAT = 1;

const weight = (name: string, dims: number[]) => ({
  name,
  dataType: FLOAT,
  dims,
  rawData: new Uint8Array(new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.01).buffer),
});
const info = (name: string, dims: Array<number | string>) => ({
  name,
  type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
});

/**
 * x [N,8,32,32] -> grouped strided Conv (2 groups, 3x3, stride 2, pad 1) -> [N,16,16,16]
 * -> ConvTranspose (8 out, 2x2, stride 2) -> [N,8,32,32] -> GlobalAveragePool -> Flatten [N,8]
 * -> Gemm with [8,10] -> [N,10] -> MatMul with [10,4] -> [N,4]; the batch N is symbolic.
 */
function graph(): Uint8Array {
  const node = (opType: string, input: string[], output: string, attribute: object[] = []) => ({ opType, input, output: [output], attribute });
  const ints = (name: string, values: number[]) => ({ name, type: 7, ints: values });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'macs',
      node: [
        node('Conv', ['x', 'w1'], 'c1', [ints('pads', [1, 1, 1, 1]), ints('strides', [2, 2]), { name: 'group', type: 2, i: 2 }]),
        node('ConvTranspose', ['c1', 'w2'], 'c2', [ints('strides', [2, 2])]),
        node('GlobalAveragePool', ['c2'], 'p'),
        node('Flatten', ['p'], 'f'),
        node('Gemm', ['f', 'w3'], 'g'),
        node('MatMul', ['g', 'w4'], 'y'),
      ],
      initializer: [weight('w1', [16, 4, 3, 3]), weight('w2', [16, 8, 2, 2]), weight('w3', [8, 10]), weight('w4', [10, 4])],
      input: [info('x', ['N', 8, 32, 32])],
      output: [info('y', ['N', 4])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

describe('bench/lib/flops.mjs', () => {
  it('counts the MACs of Conv, ConvTranspose, Gemm and MatMul from the graph and the shapes of one run', async () => {
    const n = 3;
    const conv = n * 16 * 16 * 16 * (4 * 3 * 3); // output elements x (C/group x kernel)
    const convTranspose = n * 16 * 16 * 16 * (8 * 2 * 2); // input elements x (M/group x kernel)
    const gemm = n * 10 * 8;
    const matmul = n * 4 * 10;
    const result = await modelCompute(graph(), { x: { type: 'float32', dims: [n, 8, 32, 32] } });
    expect(result.byOp).toEqual({ Conv: conv, ConvTranspose: convTranspose, Gemm: gemm, MatMul: matmul });
    expect(result.macs).toBe(conv + convTranspose + gemm + matmul);
    expect(result.flops).toBe(2 * result.macs);
    expect(result.nodes).toBe(4);
  });
});
