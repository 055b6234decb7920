// A plain float reference for the Keras layers nsfwjs' MobileNetV2 uses, computed in
// NHWC like tfjs, from the weights exactly as tfjs decodes them, with BatchNormalization
// applied as its own step (no folding). Independent of the ONNX recipe, to judge it.
import type { KerasLayer, TfjsLayersModel } from '../tfjs.ts';

interface T { h: number; w: number; c: number; data: Float32Array } // NHWC, batch 1

function samePad(size: number, k: number, s: number): number {
  return Math.floor(Math.max((Math.ceil(size / s) - 1) * s + k - size, 0) / 2);
}

export function runKeras(model: TfjsLayersModel, pixels: Uint8Array, size = 224): Float32Array {
  const W = (n: string) => {
    const w = model.weights.get(n);
    if (!w) throw new Error(`missing ${n}`);
    return w.values;
  };
  const vals = new Map<string, T>();
  for (const l of model.layers) {
    const c = l.config as Record<string, unknown>;
    const ins = l.inbound_nodes.length ? l.inbound_nodes[0].map((n) => vals.get(n[0])!) : [];
    const x = ins[0];
    let y: T;
    switch (l.class_name) {
      case 'InputLayer':
        y = { h: size, w: size, c: 3, data: Float32Array.from(pixels, (v) => v / 255) };
        break;
      case 'ZeroPadding2D': {
        const [[top, bottom], [left, right]] = c.padding as number[][];
        y = { h: x.h + top + bottom, w: x.w + left + right, c: x.c, data: new Float32Array((x.h + top + bottom) * (x.w + left + right) * x.c) };
        for (let i = 0; i < x.h; i++) y.data.set(x.data.subarray(i * x.w * x.c, (i + 1) * x.w * x.c), ((i + top) * y.w + left) * x.c);
        break;
      }
      case 'Conv2D':
      case 'DepthwiseConv2D':
        y = conv(l, x, W);
        break;
      case 'BatchNormalization': {
        const gamma = W(`${l.name}/gamma`), beta = W(`${l.name}/beta`);
        const mean = W(`${l.name}/moving_mean`), variance = W(`${l.name}/moving_variance`);
        const eps = c.epsilon as number;
        y = { ...x, data: new Float32Array(x.data.length) };
        for (let i = 0; i < x.data.length; i++) {
          const ch = i % x.c;
          y.data[i] = ((x.data[i] - mean[ch]) * gamma[ch]) / Math.sqrt(variance[ch] + eps) + beta[ch];
        }
        break;
      }
      case 'ReLU': {
        const max = (c.max_value as number | null) ?? Infinity;
        y = { ...x, data: x.data.map((v) => Math.min(Math.max(v, 0), max)) };
        break;
      }
      case 'Add':
        y = { ...x, data: x.data.map((v, i) => v + ins[1].data[i]) };
        break;
      case 'AveragePooling2D': {
        y = { h: 1, w: 1, c: x.c, data: new Float32Array(x.c) };
        for (let i = 0; i < x.data.length; i++) y.data[i % x.c] += x.data[i];
        for (let ch = 0; ch < x.c; ch++) y.data[ch] /= x.h * x.w;
        break;
      }
      case 'Flatten':
      case 'Dropout':
        y = x;
        break;
      case 'Dense': {
        const k = W(`${l.name}/kernel`), b = W(`${l.name}/bias`);
        const n = model.weights.get(`${l.name}/kernel`)!.shape[1];
        const out = new Float32Array(n);
        for (let o = 0; o < n; o++) {
          let s = b[o];
          for (let i = 0; i < x.data.length; i++) s += x.data[i] * k[i * n + o];
          out[o] = s;
        }
        if (c.activation === 'relu') for (let o = 0; o < n; o++) out[o] = Math.max(out[o], 0);
        if (c.activation === 'softmax') {
          const m = Math.max(...out);
          let sum = 0;
          for (let o = 0; o < n; o++) { out[o] = Math.exp(out[o] - m); sum += out[o]; }
          for (let o = 0; o < n; o++) out[o] /= sum;
        }
        y = { h: 1, w: 1, c: n, data: out };
        break;
      }
      default:
        throw new Error(`reference: layer ${l.class_name} not supported`);
    }
    vals.set(l.name, y);
  }
  return vals.get(model.outputLayers[0])!.data;
}

function conv(l: KerasLayer, x: T, W: (n: string) => Float32Array): T {
  const c = l.config as Record<string, unknown>;
  const depthwise = l.class_name === 'DepthwiseConv2D';
  const [KH, KW] = c.kernel_size as number[];
  const [SH, SW] = c.strides as number[];
  const k = W(depthwise ? `${l.name}/depthwise_kernel` : `${l.name}/kernel`);
  const OC = depthwise ? x.c : (c.filters as number);
  const same = c.padding === 'same';
  const ph = same ? samePad(x.h, KH, SH) : 0;
  const pw = same ? samePad(x.w, KW, SW) : 0;
  const OH = same ? Math.ceil(x.h / SH) : Math.floor((x.h - KH) / SH) + 1;
  const OW = same ? Math.ceil(x.w / SW) : Math.floor((x.w - KW) / SW) + 1;
  const out = new Float32Array(OH * OW * OC);
  const acc = new Float64Array(OC);
  for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
    acc.fill(0);
    for (let ky = 0; ky < KH; ky++) {
      const iy = oy * SH - ph + ky;
      if (iy < 0 || iy >= x.h) continue;
      for (let kx = 0; kx < KW; kx++) {
        const ix = ox * SW - pw + kx;
        if (ix < 0 || ix >= x.w) continue;
        const xb = (iy * x.w + ix) * x.c;
        if (depthwise) {
          const kb = (ky * KW + kx) * x.c;
          for (let ch = 0; ch < x.c; ch++) acc[ch] += x.data[xb + ch] * k[kb + ch];
        } else {
          // kernel [KH, KW, IC, OC]
          for (let ic = 0; ic < x.c; ic++) {
            const v = x.data[xb + ic];
            if (v === 0) continue; // post-ReLU maps are sparse
            const kb = ((ky * KW + kx) * x.c + ic) * OC;
            for (let oc = 0; oc < OC; oc++) acc[oc] += v * k[kb + oc];
          }
        }
      }
    }
    const ob = (oy * OW + ox) * OC;
    for (let oc = 0; oc < OC; oc++) out[ob + oc] = acc[oc];
  }
  if (c.use_bias) {
    const b = W(`${l.name}/bias`);
    for (let i = 0; i < out.length; i++) out[i] += b[i % OC];
  }
  return { h: OH, w: OW, c: OC, data: out };
}
