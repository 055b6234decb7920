// Recipe: Coral's uint8 quantisation-aware MobileNetV2 (TFLite) -> ONNX that stays
// quantised. Convolutions become QLinearConv, whose float32 round-to-even requantisation
// is the same arithmetic as the XNNPACK kernels TFLite itself runs, so conv outputs are
// bit-exact. ADD becomes DequantizeLinear -> Add -> QuantizeLinear (standard ops only;
// onnxruntime fuses it into its com.microsoft QLinearAdd). That float add could differ
// from TFLite's integer add by one step on a tie; on the 29 fixture photos the logits came
// out identical. Activations stay uint8 between layers; the input is transposed to NCHW
// once and ORT's layout pass turns the convs back to NHWC kernels itself.
import { DType, GraphBuilder } from './onnx.ts';
import type { Operator, Tensor, TfliteModel } from './tflite.ts';
import { Activation, Padding, TensorType } from './tflite.ts';

export type MobilenetCut = 'classifier' | 'features';

interface QParams { scale: number; zp: number }

function qparams(t: Tensor): QParams {
  const q = t.quantization;
  if (!q || q.scale.length !== 1) throw new Error(`${t.name}: expected per-tensor quantisation`);
  return { scale: q.scale[0], zp: q.zeroPoint[0] };
}

function shortName(t: Tensor): string {
  return t.name.split(';')[0].replace(/^MobilenetV2\//, '').replace(/[^A-Za-z0-9_]+/g, '_');
}

// TFLite SAME padding puts the odd pixel after; ONNX pads are [top, left, bottom, right].
function pads(padding: number, inH: number, inW: number, kH: number, kW: number, sH: number, sW: number): number[] {
  if (padding === Padding.VALID) return [0, 0, 0, 0];
  const total = (size: number, k: number, s: number) => Math.max((Math.ceil(size / s) - 1) * s + k - size, 0);
  const th = total(inH, kH, sH);
  const tw = total(inW, kW, sW);
  return [Math.floor(th / 2), Math.floor(tw / 2), th - Math.floor(th / 2), tw - Math.floor(tw / 2)];
}

// Fused activations are folded into uint8 saturation when the clamp covers 0..255 (it
// does for every ReLU6 in this model: 6 / 0.0235285 rounds to 255); otherwise a Clip on
// uint8 applies TFLite's CalculateActivationRangeQuantized bounds.
function clampRange(activation: number, q: QParams): [number, number] {
  const quant = (x: number) => q.zp + (x < 0 ? -Math.round(-x / q.scale) : Math.round(x / q.scale));
  switch (activation) {
    case Activation.NONE: return [0, 255];
    case Activation.RELU: return [Math.max(0, quant(0)), 255];
    case Activation.RELU6: return [Math.max(0, quant(0)), Math.min(255, quant(6))];
    case Activation.RELU_N1_TO_1: return [Math.max(0, quant(-1)), Math.min(255, quant(1))];
    default: throw new Error(`unsupported fused activation ${activation}`);
  }
}

export function convertMobilenetV2(m: TfliteModel, cut: MobilenetCut): Uint8Array {
  const g = new GraphBuilder(cut === 'classifier' ? 'mobilenet_v2_1.0_224_quant' : 'mobilenet_v2_1.0_224_quant_features');
  const names = new Map<number, string>(); // TFLite tensor index -> ONNX NCHW tensor
  const scalars = new Map<string, string>();
  const scale = (s: number) => {
    const key = `s${Math.fround(s)}`;
    if (!scalars.has(key)) scalars.set(key, g.f32('scale', [], [s]));
    return scalars.get(key)!;
  };
  const zeroPoint = (z: number) => {
    const key = `z${z}`;
    if (!scalars.has(key)) scalars.set(key, g.u8('zero_point', [], [z]));
    return scalars.get(key)!;
  };
  const dq = (t: Tensor) => g.one('DequantizeLinear', [names.get(t.index)!, scale(qparams(t).scale), zeroPoint(qparams(t).zp)]);
  const clamp = (x: string, activation: number, out: Tensor) => {
    const [lo, hi] = clampRange(activation, qparams(out));
    if (lo === 0 && hi === 255) return x;
    return g.one('Clip', [x, g.u8('clip_min', [], [lo]), g.u8('clip_max', [], [hi])]);
  };

  const inT = m.tensors[m.inputs[0]];
  if (inT.type !== TensorType.UINT8) throw new Error('expected a uint8 input');
  const [, H, W, C] = inT.shape;
  // NHWC uint8 in, as TFLite and decoded pixels have it; transposing uint8 is cheap.
  g.input('input', DType.UINT8, [1, H, W, C]);
  names.set(inT.index, g.one('Transpose', ['input'], { perm: [0, 3, 1, 2] }));

  const conv = (op: Operator, depthwise: boolean) => {
    const [x, w, b] = op.inputs.map((i) => m.tensors[i]);
    const y = m.tensors[op.outputs[0]];
    const o = op.options as Record<string, number>;
    if (o.dilationH !== 1 || o.dilationW !== 1) throw new Error('dilation not supported');
    if (w.type !== TensorType.UINT8 || !w.data) throw new Error(`${w.name}: expected constant uint8 weights`);
    const [, KH, KW] = w.shape;
    const inC = x.shape[3];
    let wOnnx: Uint8Array;
    let wDims: number[];
    if (depthwise) {
      // [1, KH, KW, C*mult] -> [C*mult, 1, KH, KW]
      const OC = w.shape[3];
      wOnnx = new Uint8Array(w.data.length);
      for (let oc = 0; oc < OC; oc++) for (let k = 0; k < KH * KW; k++) wOnnx[oc * KH * KW + k] = w.data[k * OC + oc];
      wDims = [OC, 1, KH, KW];
    } else {
      // [OC, KH, KW, IC] -> [OC, IC, KH, KW]
      const OC = w.shape[0];
      wOnnx = new Uint8Array(w.data.length);
      for (let oc = 0; oc < OC; oc++) for (let k = 0; k < KH * KW; k++) for (let ic = 0; ic < inC; ic++) {
        wOnnx[(oc * inC + ic) * KH * KW + k] = w.data[(oc * KH * KW + k) * inC + ic];
      }
      wDims = [OC, inC, KH, KW];
    }
    const inputs = [
      names.get(x.index)!, scale(qparams(x).scale), zeroPoint(qparams(x).zp),
      g.u8(shortName(w), wDims, wOnnx), scale(qparams(w).scale), zeroPoint(qparams(w).zp),
      scale(qparams(y).scale), zeroPoint(qparams(y).zp),
    ];
    if (b) {
      if (b.type !== TensorType.INT32 || !b.data) throw new Error(`${b.name}: expected int32 bias`);
      // TFLite bias scale is input_scale * weight_scale with zero point 0: what ONNX expects.
      inputs.push(g.i32(shortName(b), [b.shape[0]], new Int32Array(b.data.buffer, b.data.byteOffset, b.shape[0])));
    }
    const out = g.one('QLinearConv', inputs, {
      group: depthwise ? inC : 1,
      kernel_shape: [KH, KW],
      pads: pads(o.padding, x.shape[1], x.shape[2], KH, KW, o.strideH, o.strideW),
      strides: [o.strideH, o.strideW],
    });
    names.set(y.index, clamp(out, o.activation, y));
  };

  for (const op of m.operators) {
    const outT = m.tensors[op.outputs[0]];
    const o = op.options as Record<string, number>;
    switch (op.opcode) {
      case 'CONV_2D': conv(op, false); break;
      case 'DEPTHWISE_CONV_2D': conv(op, true); break;
      case 'ADD': {
        const [a, b] = op.inputs.map((i) => m.tensors[i]);
        if (a.shape.join() !== b.shape.join()) throw new Error('ADD with broadcasting not supported');
        const sum = g.one('Add', [dq(a), dq(b)]);
        const q = g.one('QuantizeLinear', [sum, scale(qparams(outT).scale), zeroPoint(qparams(outT).zp)]);
        names.set(outT.index, clamp(q, o.activation, outT));
        break;
      }
      case 'AVERAGE_POOL_2D': {
        const x = m.tensors[op.inputs[0]];
        const global = o.padding === Padding.VALID && o.filterH === x.shape[1] && o.filterW === x.shape[2];
        if (!global) throw new Error('only global average pooling is supported');
        const mean = g.one('GlobalAveragePool', [dq(x)]);
        if (cut === 'features') {
          // The embedding keeps the exact float mean rather than TFLite's re-rounded uint8.
          g.node('Flatten', [mean], ['embedding'], { axis: 1 });
          g.output('embedding', DType.FLOAT, [1, x.shape[3]]);
          return g.toBytes('MobileNetV2 1.0 224 (Coral uint8 QAT) global-average-pooled features, float32 [1,1280]');
        }
        const q = g.one('QuantizeLinear', [mean, scale(qparams(outT).scale), zeroPoint(qparams(outT).zp)]);
        names.set(outT.index, clamp(q, o.activation, outT));
        break;
      }
      case 'RESHAPE': {
        const x = m.tensors[op.inputs[0]];
        // With 1x1 spatial dims NHWC and NCHW flatten to the same order.
        if (x.shape.length !== 4 || x.shape[1] !== 1 || x.shape[2] !== 1 || outT.shape.length !== 2) {
          throw new Error(`RESHAPE ${x.shape} -> ${outT.shape} not supported`);
        }
        names.set(outT.index, g.one('Flatten', [names.get(x.index)!], { axis: 1 }));
        break;
      }
      case 'SOFTMAX': {
        const x = m.tensors[op.inputs[0]];
        let logits = dq(x);
        if (o.beta !== 1) logits = g.one('Mul', [logits, g.f32('beta', [], [o.beta])]);
        // Float probabilities: finer than TFLite's uint8 output (steps of 1/256).
        g.node('Softmax', [logits], ['probabilities'], { axis: -1 });
        g.output('probabilities', DType.FLOAT, outT.shape);
        if (op !== m.operators[m.operators.length - 1]) throw new Error('SOFTMAX expected to be the last op');
        return g.toBytes('MobileNetV2 1.0 224 ImageNet (Coral uint8 QAT) converted from TFLite; input NHWC uint8 RGB, output softmax over 1001 classes (0 = background)');
      }
      default:
        throw new Error(`unsupported TFLite op ${op.opcode}`);
    }
  }
  throw new Error('graph ended without SOFTMAX');
}

// ImageNet labels file (one line per class, WordNet synonyms separated by ", ") -> one
// readable name per line. The first synonym is kept, except when a later one just adds a
// noun to it ("tabby" -> "tabby cat", "pickup" -> "pickup truck"); the two names that
// would still repeat are told apart by hand.
const LABEL_OVERRIDES: Record<number, string> = { 135: 'crane (bird)', 518: 'crane (machine)', 639: 'maillot (leotard)', 640: 'tank suit' };
const NOT_A_NOUN_EXPANSION = new Set(['system', 'building', 'house', 'pie', 'light']);

export function readableLabels(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const labels = lines.map((line, i) => {
    if (LABEL_OVERRIDES[i]) return LABEL_OVERRIDES[i];
    const names = line.split(', ').map((s) => s.trim());
    const expansion = names.slice(1).find((n) => {
      const rest = n.slice(names[0].length + 1);
      return n.startsWith(names[0] + ' ') && !rest.includes(' ') && !NOT_A_NOUN_EXPANSION.has(rest);
    });
    return expansion ?? names[0];
  });
  if (new Set(labels).size !== labels.length) throw new Error('labels are not unique');
  return labels;
}
