// Recipe: nsfwjs's MobileNetV2 (Keras 2.2.4 layers model, tfjs uint8-quantised weights)
// -> ONNX. Activations run in float32 as in tfjs. Kernels keep their uint8 codes behind
// DequantizeLinear: BatchNormalization is folded by giving that DequantizeLinear one scale
// per output channel (tfjs' per-tensor scale times gamma / sqrt(var + eps)), which is exact
// because each code's dequantised value is multiplied, not re-rounded. The file is about
// a third of an fp32 export.
import { DType, GraphBuilder } from './onnx.ts';
import type { KerasLayer, TfjsLayersModel, TfjsWeight } from './tfjs.ts';

interface Pending { tensor: string; pads: number[] } // ZeroPadding2D folded into the next conv

function inboundNames(l: KerasLayer): string[] {
  if (l.inbound_nodes.length !== 1) throw new Error(`${l.name}: shared layers not supported`);
  return l.inbound_nodes[0].map((n) => n[0]);
}

// tfjs' affine code -> ONNX DequantizeLinear zero point (tfjs-converter nudges min so that
// zero is a code: min = -zp * scale).
function zeroPointOf(w: TfjsWeight): number {
  const q = w.quantized!;
  const zp = -q.min / q.scale;
  if (Math.abs(zp - Math.round(zp)) > 1e-6 || zp < 0 || zp > 255) throw new Error(`${w.name}: zero point ${zp} is not a uint8`);
  return Math.round(zp);
}

// Keras "same": total padding split with the extra pixel after, like TFLite.
function samePads(inH: number, inW: number, k: number[], s: number[]): number[] {
  const total = (size: number, kk: number, ss: number) => Math.max((Math.ceil(size / ss) - 1) * ss + kk - size, 0);
  const th = total(inH, k[0], s[0]);
  const tw = total(inW, k[1], s[1]);
  return [Math.floor(th / 2), Math.floor(tw / 2), th - Math.floor(th / 2), tw - Math.floor(tw / 2)];
}

export function convertNsfwMobilenetV2(model: TfjsLayersModel): Uint8Array {
  const g = new GraphBuilder('nsfwjs_mobilenet_v2');
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  const consumers = new Map<string, KerasLayer[]>();
  for (const l of model.layers) for (const src of l.inbound_nodes.length ? inboundNames(l) : []) {
    consumers.set(src, [...(consumers.get(src) ?? []), l]);
  }
  const weight = (name: string): TfjsWeight => {
    const w = model.weights.get(name);
    if (!w) throw new Error(`missing weight ${name}`);
    return w;
  };
  // layer name -> ONNX tensor (NCHW float32), and its spatial size for padding maths
  const out = new Map<string, string>();
  const hw = new Map<string, [number, number]>();
  const pending = new Map<string, Pending>();
  const folded = new Set<string>();

  if (model.inputLayers.length !== 1 || model.outputLayers.length !== 1) throw new Error('expected one input and one output');
  for (const l of model.layers) {
    const c = l.config as Record<string, unknown>;
    if (c.data_format !== undefined && c.data_format !== 'channels_last') throw new Error(`${l.name}: data_format ${c.data_format}`);
    if (folded.has(l.name)) continue;
    const srcs = l.class_name === 'InputLayer' ? [] : inboundNames(l);
    const x = srcs.length ? out.get(srcs[0])! : '';
    const xhw: [number, number] = srcs.length ? hw.get(srcs[0])! : [0, 0];
    switch (l.class_name) {
      case 'InputLayer': {
        const [, H, W, C] = c.batch_input_shape as number[];
        if (C !== 3) throw new Error('expected RGB input');
        // uint8 NHWC pixels in, like the other models; x / 255 happens here as in nsfwjs.
        g.input('input', DType.UINT8, [1, H, W, C]);
        const nchw = g.one('Transpose', ['input'], { perm: [0, 3, 1, 2] });
        const f = g.one('Cast', [nchw], { to: DType.FLOAT });
        out.set(l.name, g.one('Div', [f, g.f32('scale_255', [], [255])]));
        hw.set(l.name, [H, W]);
        break;
      }
      case 'ZeroPadding2D': {
        const [[top, bottom], [left, right]] = c.padding as number[][];
        const next = consumers.get(l.name) ?? [];
        if (next.length !== 1 || !/Conv2D$/.test(next[0].class_name)) throw new Error(`${l.name}: padding must feed one conv`);
        pending.set(l.name, { tensor: x, pads: [top, left, bottom, right] });
        out.set(l.name, x);
        hw.set(l.name, [xhw[0] + top + bottom, xhw[1] + left + right]);
        break;
      }
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const depthwise = l.class_name === 'DepthwiseConv2D';
        const k = c.kernel_size as number[];
        const s = c.strides as number[];
        if ((c.dilation_rate as number[]).some((d) => d !== 1)) throw new Error(`${l.name}: dilation`);
        if (c.activation !== 'linear') throw new Error(`${l.name}: fused activation ${c.activation}`);
        if (depthwise && c.depth_multiplier !== 1) throw new Error(`${l.name}: depth_multiplier`);
        const w = weight(depthwise ? `${l.name}/depthwise_kernel` : `${l.name}/kernel`);
        const [KH, KW, IC, M] = w.shape; // conv: M = OC; depthwise: M = multiplier
        const OC = depthwise ? IC * M : M;
        // ONNX layout [OC, IC/group, KH, KW]; Keras [KH, KW, IC, OC] / [KH, KW, IC, 1].
        const codes = new Uint8Array(w.values.length);
        const inPerGroup = depthwise ? 1 : IC;
        for (let oc = 0; oc < OC; oc++) for (let ic = 0; ic < inPerGroup; ic++) for (let ky = 0; ky < KH; ky++) for (let kx = 0; kx < KW; kx++) {
          const src = depthwise ? (ky * KW + kx) * IC + oc : ((ky * KW + kx) * IC + ic) * OC + oc;
          codes[((oc * inPerGroup + ic) * KH + ky) * KW + kx] = w.quantized!.codes[src];
        }
        const scale = new Float64Array(OC).fill(w.quantized!.scale);
        const bias = new Float64Array(OC);
        if (c.use_bias) { const b = weight(`${l.name}/bias`).values; for (let i = 0; i < OC; i++) bias[i] = b[i]; }
        // Fold the BatchNormalization that is this conv's only consumer.
        const next = consumers.get(l.name) ?? [];
        let name = l.name;
        if (next.length === 1 && next[0].class_name === 'BatchNormalization') {
          const bn = next[0];
          const bc = bn.config as Record<string, unknown>;
          if (bc.axis !== -1 && bc.axis !== 3) throw new Error(`${bn.name}: axis ${bc.axis}`);
          const gamma = bc.scale ? weight(`${bn.name}/gamma`).values : new Float32Array(OC).fill(1);
          const beta = bc.center ? weight(`${bn.name}/beta`).values : new Float32Array(OC);
          const mean = weight(`${bn.name}/moving_mean`).values;
          const variance = weight(`${bn.name}/moving_variance`).values;
          for (let i = 0; i < OC; i++) {
            const f = gamma[i] / Math.sqrt(variance[i] + (bc.epsilon as number));
            scale[i] *= f;
            bias[i] = (bias[i] - mean[i]) * f + beta[i];
          }
          folded.add(bn.name);
          name = bn.name;
        }
        const zp = zeroPointOf(w);
        const wq = g.u8(`${l.name}_codes`, [OC, inPerGroup, KH, KW], codes);
        const wf = g.one('DequantizeLinear', [wq, g.f32(`${l.name}_scale`, [OC], scale), g.u8(`${l.name}_zp`, [OC], new Uint8Array(OC).fill(zp))], { axis: 0 });
        const pad = pending.get(srcs[0]);
        const inHW = hw.get(srcs[0])!;
        let pads: number[];
        if (pad) {
          if (c.padding !== 'valid') throw new Error(`${l.name}: explicit padding before a 'same' conv`);
          pads = pad.pads;
        } else {
          pads = c.padding === 'same' ? samePads(inHW[0], inHW[1], k, s) : [0, 0, 0, 0];
        }
        const y = g.one('Conv', [x, wf, g.f32(`${name}_bias`, [OC], bias)], {
          group: depthwise ? IC : 1, kernel_shape: [KH, KW], pads, strides: s,
        });
        const outHW: [number, number] = [
          Math.floor((inHW[0] + (pad ? 0 : pads[0] + pads[2]) - KH) / s[0]) + 1,
          Math.floor((inHW[1] + (pad ? 0 : pads[1] + pads[3]) - KW) / s[1]) + 1,
        ];
        out.set(l.name, y); hw.set(l.name, outHW);
        out.set(name, y); hw.set(name, outHW);
        break;
      }
      case 'BatchNormalization':
        throw new Error(`${l.name}: BatchNormalization not after a conv`);
      case 'ReLU': {
        if (c.negative_slope !== 0 || c.threshold !== 0) throw new Error(`${l.name}: leaky/thresholded ReLU`);
        const y = c.max_value == null
          ? g.one('Relu', [x])
          : g.one('Clip', [x, g.f32('zero', [], [0]), g.f32('relu_max', [], [c.max_value as number])]);
        out.set(l.name, y); hw.set(l.name, xhw);
        break;
      }
      case 'Add': {
        const [a, b] = srcs.map((s2) => out.get(s2)!);
        out.set(l.name, g.one('Add', [a, b])); hw.set(l.name, xhw);
        break;
      }
      case 'AveragePooling2D': {
        const p = c.pool_size as number[];
        if (c.padding !== 'valid' || p[0] !== xhw[0] || p[1] !== xhw[1]) throw new Error(`${l.name}: only global pooling`);
        out.set(l.name, g.one('GlobalAveragePool', [x])); hw.set(l.name, [1, 1]);
        break;
      }
      case 'Flatten': {
        // 1x1 spatial: NCHW and Keras' NHWC flatten to the same order.
        if (xhw[0] !== 1 || xhw[1] !== 1) throw new Error(`${l.name}: Flatten of a spatial map`);
        out.set(l.name, g.one('Flatten', [x], { axis: 1 })); hw.set(l.name, [1, 1]);
        break;
      }
      case 'Dropout':
        out.set(l.name, x); hw.set(l.name, xhw);
        break;
      case 'Dense': {
        const w = weight(`${l.name}/kernel`);
        const [IN, OUT] = w.shape;
        // Dense kernels stay float32 (0.36 M weights, 1.1 MB more): onnxruntime >= 1.2x
        // rewrites DequantizeLinear -> Gemm into MatMulNBits with int8 activations
        // (accuracy_level 4), which moved the output probabilities by up to 1.3e-3.
        const wf = g.f32(`${l.name}_kernel`, [IN, OUT], w.values);
        const bias = c.use_bias ? weight(`${l.name}/bias`).values : new Float32Array(OUT);
        const isOutput = l.name === model.outputLayers[0];
        const act = c.activation as string;
        let y = g.one('Gemm', [x, wf, g.f32(`${l.name}_bias`, [OUT], bias)]);
        if (act === 'relu') y = g.one('Relu', [y]);
        else if (act === 'softmax') y = g.node('Softmax', [y], isOutput ? ['probabilities'] : 1, { axis: -1 })[0];
        else if (act !== 'linear') throw new Error(`${l.name}: activation ${act}`);
        out.set(l.name, y); hw.set(l.name, [1, 1]);
        if (isOutput) {
          if (act !== 'softmax') throw new Error('expected a softmax output');
          g.output('probabilities', DType.FLOAT, [1, OUT]);
        }
        break;
      }
      default:
        throw new Error(`${l.name}: layer ${l.class_name} not supported`);
    }
  }
  if (!byName.has(model.outputLayers[0])) throw new Error('output layer missing');
  return g.toBytes('nsfwjs 4.3.0 MobileNetV2 (Keras, tfjs uint8 weights) converted to ONNX; input NHWC uint8 RGB 224x224 (divided by 255 inside), output softmax over [Drawing, Hentai, Neutral, Porn, Sexy]');
}
