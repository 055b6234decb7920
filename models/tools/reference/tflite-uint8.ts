// A plain, slow reference interpreter for uint8-quantised TFLite graphs (conv,
// depthwise_conv, add, average_pool, reshape, softmax). It is written independently of
// the ONNX recipe so that it can judge the conversion. It reproduces TFLite's own WASM
// runtime (tfjs-tflite 0.0.1-alpha.10, XNNPACK delegate) bit for bit: checked on every
// intermediate tensor of mobilenet_v2_1.0_224_quant (see models/tools/README.md).
import type { Operator, Tensor, TfliteModel } from '../tflite.ts';
import { Activation, Padding, TensorType } from '../tflite.ts';
import { addParams, convScale, requantizeAdd, requantizeConv, roundHalfAway } from './requantize.ts';

type Values = Uint8Array | Int32Array;

function q(t: Tensor): { scale: number; zp: number } {
  if (!t.quantization || t.quantization.scale.length !== 1) throw new Error(`${t.name}: expected per-tensor quantisation`);
  return { scale: t.quantization.scale[0], zp: t.quantization.zeroPoint[0] };
}

// CalculateActivationRangeQuantized (uint8).
export function activationRange(activation: number, out: Tensor): [number, number] {
  const { scale, zp } = q(out);
  const quant = (x: number) => zp + roundHalfAway(x / scale);
  if (activation === Activation.NONE) return [0, 255];
  if (activation === Activation.RELU) return [Math.max(0, quant(0)), 255];
  if (activation === Activation.RELU6) return [Math.max(0, quant(0)), Math.min(255, quant(6))];
  if (activation === Activation.RELU_N1_TO_1) return [Math.max(0, quant(-1)), Math.min(255, quant(1))];
  throw new Error(`unsupported fused activation ${activation}`);
}

// TFLite "SAME": total padding split with the extra pixel at the end.
export function padBefore(padding: number, inSize: number, k: number, stride: number, dilation: number): { out: number; pad: number } {
  const effK = (k - 1) * dilation + 1;
  if (padding === Padding.VALID) return { out: Math.floor((inSize - effK + stride) / stride), pad: 0 };
  const out = Math.floor((inSize + stride - 1) / stride);
  const total = Math.max((out - 1) * stride + effK - inSize, 0);
  return { out, pad: Math.floor(total / 2) };
}

function conv(m: TfliteModel, op: Operator, vals: Map<number, Values>, depthwise: boolean): Uint8Array {
  const [inT, wT, bT] = op.inputs.map((i) => m.tensors[i]);
  const outT = m.tensors[op.outputs[0]];
  const x = vals.get(inT.index) as Uint8Array;
  const w = wT.data!;
  const bias = bT ? new Int32Array(bT.data!.buffer, bT.data!.byteOffset, bT.shape[0]) : null;
  const [, H, W, C] = inT.shape;
  const [, OH, OW, OC] = outT.shape;
  // conv filters are [OC, KH, KW, C]; depthwise filters are [1, KH, KW, C * multiplier]
  const KH = wT.shape[1];
  const KW = wT.shape[2];
  const o = op.options as Record<string, number>;
  const ph = padBefore(o.padding, H, KH, o.strideH, o.dilationH).pad;
  const pw = padBefore(o.padding, W, KW, o.strideW, o.dilationW).pad;
  const xz = q(inT).zp;
  const wz = q(wT).zp;
  const oz = q(outT).zp;
  const scale = convScale(q(inT).scale, q(wT).scale, q(outT).scale);
  const [lo, hi] = activationRange(o.activation, outT);
  const depthMult = depthwise ? o.depthMultiplier : 1;
  const y = new Uint8Array(OH * OW * OC);
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      for (let oc = 0; oc < OC; oc++) {
        let acc = 0;
        for (let ky = 0; ky < KH; ky++) {
          const iy = oy * o.strideH - ph + ky * o.dilationH;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < KW; kx++) {
            const ix = ox * o.strideW - pw + kx * o.dilationW;
            if (ix < 0 || ix >= W) continue;
            const xBase = (iy * W + ix) * C;
            if (depthwise) {
              const ic = Math.floor(oc / depthMult);
              acc += (x[xBase + ic] - xz) * (w[(ky * KW + kx) * OC + oc] - wz);
            } else {
              const wBase = ((oc * KH + ky) * KW + kx) * C;
              for (let ic = 0; ic < C; ic++) acc += (x[xBase + ic] - xz) * (w[wBase + ic] - wz);
            }
          }
        }
        if (bias) acc += bias[oc];
        let v = requantizeConv(acc, scale) + oz;
        v = Math.min(hi, Math.max(lo, v));
        y[(oy * OW + ox) * OC + oc] = v;
      }
    }
  }
  return y;
}

function add(m: TfliteModel, op: Operator, vals: Map<number, Values>): Uint8Array {
  const [aT, bT] = op.inputs.map((i) => m.tensors[i]);
  const outT = m.tensors[op.outputs[0]];
  const a = vals.get(aT.index) as Uint8Array;
  const b = vals.get(bT.index) as Uint8Array;
  if (a.length !== b.length) throw new Error('ADD: broadcasting not supported');
  const qa = q(aT);
  const qb = q(bT);
  const qo = q(outT);
  const p = addParams(qa.scale, qa.zp, qb.scale, qb.zp, qo.scale);
  const [lo, hi] = activationRange((op.options as Record<string, number>).activation, outT);
  const y = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = requantizeAdd(a[i], b[i], p) + qo.zp;
    y[i] = Math.min(hi, Math.max(lo, v));
  }
  return y;
}

function averagePool(m: TfliteModel, op: Operator, vals: Map<number, Values>): Uint8Array {
  const inT = m.tensors[op.inputs[0]];
  const outT = m.tensors[op.outputs[0]];
  const x = vals.get(inT.index) as Uint8Array;
  const o = op.options as Record<string, number>;
  const [, H, W, C] = inT.shape;
  const [, OH, OW] = outT.shape;
  const ph = padBefore(o.padding, H, o.filterH, o.strideH, 1).pad;
  const pw = padBefore(o.padding, W, o.filterW, o.strideW, 1).pad;
  const [lo, hi] = activationRange(o.activation, outT);
  const y = new Uint8Array(OH * OW * C);
  for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) for (let c = 0; c < C; c++) {
    let acc = 0;
    let count = 0;
    for (let ky = 0; ky < o.filterH; ky++) {
      const iy = oy * o.strideH - ph + ky;
      if (iy < 0 || iy >= H) continue;
      for (let kx = 0; kx < o.filterW; kx++) {
        const ix = ox * o.strideW - pw + kx;
        if (ix < 0 || ix >= W) continue;
        acc += x[(iy * W + ix) * C + c];
        count++;
      }
    }
    const v = Math.floor((acc + Math.floor(count / 2)) / count);
    y[(oy * OW + ox) * C + c] = Math.min(hi, Math.max(lo, v));
  }
  return y;
}

// The lookup-table softmax TFLite's optimised kernel uses for uint8 (float32 arithmetic).
function softmax(m: TfliteModel, op: Operator, vals: Map<number, Values>): Uint8Array {
  const inT = m.tensors[op.inputs[0]];
  const outT = m.tensors[op.outputs[0]];
  const x = vals.get(inT.index) as Uint8Array;
  const beta = (op.options as Record<string, number>).beta;
  const f = Math.fround;
  const table = new Float32Array(256);
  const s = f(-f(q(inT).scale * beta));
  for (let v = 0; v <= 255; v++) table[255 - v] = Math.exp(f(s * v));
  const depth = inT.shape[inT.shape.length - 1];
  const y = new Uint8Array(x.length);
  for (let r = 0; r < x.length; r += depth) {
    let max = 0;
    for (let j = 0; j < depth; j++) max = Math.max(max, x[r + j]);
    const off = 255 - max;
    let sum = 0;
    for (let j = 0; j < depth; j++) sum = f(sum + table[off + x[r + j]]);
    const inv = f(1 / f(sum * q(outT).scale));
    for (let j = 0; j < depth; j++) {
      const p = f(table[off + x[r + j]] * inv);
      y[r + j] = Math.min(255, Math.max(0, Math.trunc(f(p + 0.5)) + q(outT).zp));
    }
  }
  return y;
}

// Runs the graph on one NHWC uint8 input; returns every tensor value computed, by index.
export function runUint8(m: TfliteModel, input: Uint8Array): Map<number, Values> {
  const inT = m.tensors[m.inputs[0]];
  if (inT.type !== TensorType.UINT8) throw new Error('reference interpreter handles uint8 graphs only');
  if (input.length !== inT.shape.reduce((a, b) => a * b, 1)) throw new Error('input size mismatch');
  const vals = new Map<number, Values>();
  vals.set(inT.index, input);
  for (const op of m.operators) vals.set(op.outputs[0], runOp(m, op, vals));
  return vals;
}

// Computes one operator's output from the values of its inputs.
export function runOp(m: TfliteModel, op: Operator, vals: Map<number, Values>): Values {
  switch (op.opcode) {
    case 'CONV_2D': return conv(m, op, vals, false);
    case 'DEPTHWISE_CONV_2D': return conv(m, op, vals, true);
    case 'ADD': return add(m, op, vals);
    case 'AVERAGE_POOL_2D': return averagePool(m, op, vals);
    case 'RESHAPE': return vals.get(op.inputs[0])!;
    case 'SOFTMAX': return softmax(m, op, vals);
    default: throw new Error(`reference interpreter: unsupported op ${op.opcode}`);
  }
}
