// Requantisation arithmetic of TFLite's WASM runtime for uint8 graphs. That runtime hands
// uint8 CONV_2D / DEPTHWISE_CONV_2D / ADD to XNNPACK, whose rounding differs from TFLite's
// classic gemmlowp fixed-point kernels (those round twice and disagree on ~3% of conv
// outputs by 1); the formulas below matched it on every element of every layer.

const f = Math.fround;
const view = new DataView(new ArrayBuffer(4));
const floatBits = (x: number): number => { view.setFloat32(0, x); return view.getUint32(0); };
const bitsFloat = (u: number): number => { view.setUint32(0, u >>> 0); return view.getFloat32(0); };

// C's round(): halves away from zero (Math.round rounds -2.5 to -2).
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

// lrintf / nearbyintf in the default rounding mode: halves to even.
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// XNNPACK "fp32" requantisation of a conv accumulator: float32 product, round to even.
// scale = input_scale * filter_scale / output_scale, computed in float32.
export function convScale(inputScale: number, filterScale: number, outputScale: number): number {
  return f(f(inputScale * filterScale) / outputScale);
}
export function requantizeConv(acc: number, scale: number): number {
  return roundHalfEven(f(f(acc) * scale));
}

// XNNPACK qu8 add: both inputs scaled by 20-bit integer multipliers sharing one shift,
// summed with the zero points folded into a bias, then one arithmetic shift (half up).
export interface AddParams { aMul: number; bMul: number; bias: number; shift: number }
export function addParams(aScale: number, aZp: number, bScale: number, bZp: number, outScale: number): AddParams {
  const aRel = f(aScale / outScale);
  const bRel = f(bScale / outScale);
  const exponent = (floatBits(Math.max(aRel, bRel)) >>> 23) - 127;
  const shift = 20 - exponent;
  // adding shift to the exponent bits multiplies by 2^shift exactly
  const aMul = roundHalfEven(bitsFloat(floatBits(aRel) + (shift << 23)));
  const bMul = roundHalfEven(bitsFloat(floatBits(bRel) + (shift << 23)));
  const bias = (1 << (shift - 1)) - aMul * aZp - bMul * bZp;
  return { aMul, bMul, bias, shift };
}
export function requantizeAdd(a: number, b: number, p: AddParams): number {
  return (p.bias + a * p.aMul + b * p.bMul) >> p.shift;
}
