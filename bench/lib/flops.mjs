// The compute of an ONNX graph, counted from the graph itself (onnx-proto):
// multiply-accumulates of its Conv, ConvTranspose, Gemm and MatMul nodes (and
// their quantised forms). Every other op is cheap beside them and left out,
// so FLOPs = 2 x MACs is a floor, not an estimate of the real work.
// Shapes are those of one real run: the graph is run once by native
// onnxruntime-node with the tensors the count needs added as graph outputs,
// so symbolic and data-dependent dimensions are exact for that input.
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';

const { onnx } = onnxProto;
const product = (dims) => dims.reduce((a, b) => a * b, 1);

/** Where each counted op keeps its weight (an input index) and how its MACs follow from the shapes. */
const COUNTED = {
  Conv: { weight: 1, macs: conv },
  QLinearConv: { weight: 3, macs: conv },
  ConvInteger: { weight: 1, macs: conv },
  ConvTranspose: { weight: 1, macs: convTranspose },
  Gemm: { weight: 1, macs: gemm },
  MatMul: { weight: 1, macs: matmul },
  MatMulInteger: { weight: 1, macs: matmul },
  QLinearMatMul: { weight: 3, macs: matmul },
};

// Conv: every output element is a dot product over (C/group) x kernel.
function conv({ out, w }) {
  const [, perGroupIn, ...kernel] = w;
  return product(out) * perGroupIn * product(kernel);
}

// ConvTranspose: every input element scatters over (M/group) x kernel outputs.
function convTranspose({ x, w }) {
  const [, perGroupOut, ...kernel] = w;
  return product(x) * perGroupOut * product(kernel);
}

function gemm({ out, x, node }) {
  const transA = node.attribute.find((a) => a.name === 'transA')?.i ?? 0;
  const k = Number(transA) ? x[0] : x[1];
  return product(out) * k;
}

function matmul({ out, x }) {
  return product(out) * x[x.length - 1];
}

/** Counted nodes of a decoded ModelProto and the tensors whose shapes the count needs. */
export function countedNodes(model) {
  const initializers = new Map(model.graph.initializer.map((t) => [t.name, t.dims.map(Number)]));
  const nodes = model.graph.node.filter((n) => COUNTED[n.opType] && (n.domain === '' || n.domain === 'ai.onnx' || n.domain === 'com.microsoft'));
  const needed = new Set();
  for (const node of nodes) {
    const { weight } = COUNTED[node.opType];
    for (const name of [node.input[0], node.input[weight], node.output[0]]) if (!initializers.has(name)) needed.add(name);
  }
  return { nodes, initializers, needed: [...needed] };
}

/** MACs of each counted node, given every needed tensor's dims. */
export function macsFromShapes(nodes, shapeOf) {
  const byOp = {};
  let total = 0;
  for (const node of nodes) {
    const spec = COUNTED[node.opType];
    const macs = spec.macs({ node, x: shapeOf(node.input[0]), w: shapeOf(node.input[spec.weight]), out: shapeOf(node.output[0]) });
    byOp[node.opType] = (byOp[node.opType] ?? 0) + macs;
    total += macs;
  }
  return { macs: total, flops: 2 * total, byOp, nodes: nodes.length };
}

/**
 * MACs and FLOPs of `bytes` (an ONNX file) for one run on `feeds`
 * ({ name: { type, dims } }: zero-filled tensors of these shapes).
 */
export async function modelCompute(bytes, feeds) {
  const model = onnx.ModelProto.decode(bytes);
  const { nodes, initializers, needed } = countedNodes(model);
  const outputs = new Set(model.graph.output.map((o) => o.name));
  // A graph output without a type is accepted: the runtime infers it.
  for (const name of needed) if (!outputs.has(name)) model.graph.output.push({ name });
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(model).finish(), { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, logSeverityLevel: 3 });
  const tensors = Object.fromEntries(
    Object.entries(feeds).map(([name, { type, dims }]) => {
      const size = product(dims);
      const data = type === 'uint8' ? new Uint8Array(size) : type === 'int64' ? new BigInt64Array(size) : new Float32Array(size);
      return [name, new ort.Tensor(type, data, dims)];
    }),
  );
  const results = await session.run(tensors, needed.length ? needed : undefined);
  await session.release();
  const shapeOf = (name) => {
    const dims = initializers.get(name) ?? results[name]?.dims;
    if (!dims) throw new Error(`no shape for ${name}`);
    return [...dims].map(Number);
  };
  return macsFromShapes(nodes, shapeOf);
}
