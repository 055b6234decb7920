// Size-alike STAND-INS for MobileCLIP-S0's two published ONNX files, with random weights:
// NOT MobileCLIP, they mean nothing. They exist to measure what the real files cannot be
// measured for here (no download): onnxruntime-web's wasm memory and speed for graphs of the
// same size, weight dtypes, I/O and layer structure (bench/standins.mjs).
//
//   node --experimental-strip-types --no-warnings models/tools/clip-standins.ts [outDir]
//
// writes the two files into outDir (default: a new temp dir; never into models/, nothing
// generated here may be committed) and prints a JSON summary. With --external-data it also
// writes each graph a second time with its weights in a side file (`<name>.data`, ONNX
// external data), the layout onnxruntime-web loads through its `externalData` option.
//
// The layer structure follows Apple's ml-mobileclip code for S0 (mobileclip/configs/
// mobileclip_s0.json, models/mci.py, text_encoder.py), in its reparameterised inference form:
// - image (MCi0, fp16 like `vision_model_fp16.onnx`, converted with keep_io_types): Cast to
//   fp16 after `pixel_values`, then MobileOne stem (3x3 s2 to 64 ch at 128x128, depthwise 3x3
//   s2, 1x1), RepMixer stages of [2, 6, 10] blocks at 64/128/256 channels (64x64, 32x32,
//   16x16; depthwise 3x3 mixer, ConvFFN = depthwise 7x7 + 1x1 to 3x + GELU + 1x1, layer
//   scale), patch embeddings (depthwise-style 7x7 s2 + SE from stage 3 + 1x1), conditional
//   positional encoding (depthwise 7x7), 2 attention blocks at 512 ch on 8x8 (BatchNorm, MHSA
//   with 16 heads of 32, ConvFFN), conv_exp (grouped 3x3 to 1024 + SE), global average pool,
//   1024x512 projection, Cast to float32 `image_embeds`. Every initializer that is float is
//   fp16; GELU is the Erf pattern torch exports below opset 20.
// - text (MCt, transformers.js "q8" like `text_model_quantized.onnx`): uint8 token table
//   [49408, 512] read by Gather then DequantizeLinear, fp32 positional embedding, RepMixer
//   block (depthwise (1,11) convs + 1x1 ConvFFN 512->2048->512, as ConvInteger), 4 pre-norm
//   transformer blocks (width 512, 8 heads, FFN 2048), RepMixer block, LayerNorm, the EOT
//   token (ArgMax of the ids, as the model does), 512x512 projection. Every MatMul/Conv with a
//   weight is onnxruntime's dynamic quantisation pattern: DynamicQuantizeLinear on the
//   activation, MatMulInteger/ConvInteger on uint8 weights, Cast, Mul by the scales, Add bias.
//   MCt is 1 + 4 + 1 blocks, not 12: twelve width-512 transformer blocks plus the table would
//   be ~63 MB of uint8, not the published 42.8 MB; Apple's MCt config gives 42.4 M parameters,
//   which with fp32 biases, norms and positions is the published size.
//
// Deterministic: mulberry32 from a fixed seed, fixed node order, raw little-endian tensors.
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import { mulberry32 } from './mulberry32.ts';
import { DType, GraphBuilder } from './onnx.ts';
import { RUNTIME_BYTES, estimateEncoderBytes } from './pull/estimate.ts';

/** Byte sizes of the published files these stand in for (models/pull-sources.json). */
export const TARGET_BYTES = { image: 22_876_479, text: 42_799_238 } as const;
/** File names of the stand-ins: deliberately not the published names. */
export const STANDIN_FILES = { image: 'standin_vision_model_fp16.onnx', text: 'standin_text_model_quantized.onnx' } as const;
/** The published variant each one mimics, as models/tools/pull/estimate.ts names them. */
export const STANDIN_VARIANTS = { image: 'fp16', text: 'q8' } as const;

export const IO = {
  image: { input: 'pixel_values', size: 256, output: 'image_embeds' },
  text: { input: 'input_ids', contextLength: 77, output: 'text_embeds' },
  dims: 512,
  vocab: 49408,
} as const;

const BATCH = 'batch_size';
const OPSET = 17; // LayerNormalization; ReduceMean still takes axes as an attribute
const DOC = 'random-weight size-alike STAND-IN for a MobileCLIP-S0 tower: NOT a real model (models/tools/clip-standins.ts)';

// ---------------------------------------------------------------------------------------
// float32 -> IEEE half bits, round to nearest even (subnormals kept).
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let h = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++; // a carry into the exponent is correct
  return sign | h;
}

type Rand = () => number;
const count = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

// ---------------------------------------------------------------------------------------
// Image tower: fp16 throughout, float32 only at the two edges (keep_io_types).
class HalfNet {
  private readonly g: GraphBuilder;
  private readonly next: Rand;
  private readonly consts = new Map<number, string>();
  constructor(g: GraphBuilder, next: Rand) {
    this.g = g;
    this.next = next;
  }

  /** fp16 initializer, uniform in centre +- bound. */
  tensor(prefix: string, dims: number[], bound: number, centre = 0): string {
    const out = new Uint16Array(count(dims));
    for (let i = 0; i < out.length; i++) out[i] = toHalf(centre + (this.next() * 2 - 1) * bound);
    return this.g.constant(prefix, DType.FLOAT16, dims, out);
  }
  scalar(value: number): string {
    let name = this.consts.get(value);
    if (!name) {
      name = this.g.constant('c', DType.FLOAT16, [], Uint16Array.of(toHalf(value)));
      this.consts.set(value, name);
    }
    return name;
  }

  /** Conv with bias (BatchNorm and reparameterised branches folded in). Uniform init of variance gain/fan_in. */
  conv(x: string, cin: number, cout: number, k: number | [number, number], opts: { stride?: number; groups?: number; gain?: number; name?: string } = {}): string {
    const [kh, kw] = typeof k === 'number' ? [k, k] : k;
    const { stride = 1, groups = 1, gain = 1, name = 'conv' } = opts;
    const fanIn = (cin / groups) * kh * kw;
    const w = this.tensor(`${name}.weight`, [cout, cin / groups, kh, kw], Math.sqrt((3 * gain) / fanIn));
    const b = this.tensor(`${name}.bias`, [cout], 0.02);
    return this.g.one('Conv', [x, w, b], {
      kernel_shape: [kh, kw],
      strides: [stride, stride],
      pads: [kh >> 1, kw >> 1, kh >> 1, kw >> 1],
      group: groups,
      dilations: [1, 1],
    });
  }

  /** GELU as torch exports it below opset 20: x * 0.5 * (1 + erf(x / sqrt 2)). */
  gelu(x: string): string {
    const erf = this.g.one('Erf', [this.g.one('Div', [x, this.scalar(Math.SQRT2)])]);
    const y = this.g.one('Mul', [x, this.g.one('Add', [erf, this.scalar(1)])]);
    return this.g.one('Mul', [y, this.scalar(0.5)]);
  }

  /** Squeeze-and-excite (mobileone.py SEBlock, rd_ratio 1/16). */
  se(x: string, c: number, name: string): string {
    const pooled = this.g.one('GlobalAveragePool', [x]);
    const r = this.g.one('Relu', [this.conv(pooled, c, c / 16, 1, { name: `${name}.se.reduce` })]);
    const s = this.g.one('Sigmoid', [this.conv(r, c / 16, c, 1, { name: `${name}.se.expand` })]);
    return this.g.one('Mul', [x, s]);
  }

  layerScale(x: string, c: number, name: string): string {
    return this.g.one('Mul', [this.tensor(`${name}.layer_scale`, [c, 1, 1], 0.05, 0.15), x]);
  }

  /** mci.py ConvFFN: depthwise 7x7 (+BN folded), 1x1 to 3x, GELU, 1x1 back. */
  convFfn(x: string, c: number, name: string): string {
    const dw = this.conv(x, c, c, 7, { groups: c, name: `${name}.convffn.conv` });
    const h = this.gelu(this.conv(dw, c, 3 * c, 1, { name: `${name}.convffn.fc1`, gain: 2 }));
    return this.conv(h, 3 * c, c, 1, { name: `${name}.convffn.fc2` });
  }

  repMixerBlock(x: string, c: number, name: string): string {
    const mixed = this.conv(x, c, c, 3, { groups: c, name: `${name}.token_mixer.reparam_conv` });
    return this.g.one('Add', [mixed, this.layerScale(this.convFfn(mixed, c, name), c, name)]);
  }

  /** mci.py PatchEmbed: ReparamLargeKernelConv (7x7 s2, groups=cin) [+SE] + GELU, MobileOneBlock 1x1 + GELU. */
  patchEmbed(x: string, cin: number, cout: number, useSe: boolean, name: string): string {
    let y = this.conv(x, cin, cout, 7, { stride: 2, groups: cin, name: `${name}.lkb_reparam` });
    if (useSe) y = this.se(y, cout, name);
    y = this.gelu(y);
    return this.gelu(this.conv(y, cout, cout, 1, { name: `${name}.pw`, gain: 2 }));
  }

  /** mci.py AttentionBlock: x + ls1 * MHSA(BN(x)); x + ls2 * ConvFFN(x). MHSA: head_dim 32, no qkv bias. */
  attentionBlock(x: string, c: number, hw: number, name: string): string {
    const g = this.g;
    const heads = c / 32;
    const bn = g.one('BatchNormalization', [
      x,
      this.tensor(`${name}.norm.weight`, [c], 0.1, 1),
      this.tensor(`${name}.norm.bias`, [c], 0.05),
      this.tensor(`${name}.norm.running_mean`, [c], 0.05),
      this.tensor(`${name}.norm.running_var`, [c], 0.2, 1),
    ], { epsilon: { float: 1e-5 } });
    const tokens = g.one('Transpose', [g.one('Reshape', [bn, g.i64(`${name}.shape_flat`, [3], [0, c, hw * hw])])], { perm: [0, 2, 1] });
    const qkvW = this.tensor(`${name}.token_mixer.qkv.weight`, [c, 3 * c], Math.sqrt(3 / c));
    const qkv = g.one('Transpose', [
      g.one('Reshape', [g.one('MatMul', [tokens, qkvW]), g.i64(`${name}.shape_qkv`, [5], [0, hw * hw, 3, heads, 32])]),
    ], { perm: [2, 0, 3, 1, 4] });
    const part = (i: number) => g.one('Gather', [qkv, g.i64(`${name}.index`, [], [i])], { axis: 0 });
    const [q, k, v] = [part(0), part(1), part(2)];
    const scores = g.one('MatMul', [g.one('Mul', [q, this.scalar(32 ** -0.5)]), g.one('Transpose', [k], { perm: [0, 1, 3, 2] })]);
    const attended = g.one('MatMul', [g.one('Softmax', [scores], { axis: -1 }), v]);
    const merged = g.one('Reshape', [g.one('Transpose', [attended], { perm: [0, 2, 1, 3] }), g.i64(`${name}.shape_merge`, [3], [0, hw * hw, c])]);
    const projected = g.one('Add', [
      this.tensor(`${name}.token_mixer.proj.bias`, [c], 0.02),
      g.one('MatMul', [merged, this.tensor(`${name}.token_mixer.proj.weight`, [c, c], Math.sqrt(3 / c))]),
    ]);
    const back = g.one('Reshape', [g.one('Transpose', [projected], { perm: [0, 2, 1] }), g.i64(`${name}.shape_map`, [4], [0, c, hw, hw])]);
    const y = g.one('Add', [x, this.layerScale(back, c, `${name}.1`)]);
    return g.one('Add', [y, this.layerScale(this.convFfn(y, c, name), c, `${name}.2`)]);
  }
}

export function buildImageStandin(seed = 0x5eed1): Uint8Array {
  const g = new GraphBuilder('mobileclip-s0-image-standin');
  const h = new HalfNet(g, mulberry32(seed));
  const size = IO.image.size;
  g.input(IO.image.input, DType.FLOAT, [BATCH, 3, size, size]);
  let x = g.one('Cast', [IO.image.input], { to: DType.FLOAT16 });
  // Stem: 3x3 s2 to 64 channels (128x128), depthwise 3x3 s2 (64x64), 1x1.
  x = h.gelu(h.conv(x, 3, 64, 3, { stride: 2, gain: 2, name: 'stem.0' }));
  x = h.gelu(h.conv(x, 64, 64, 3, { stride: 2, groups: 64, name: 'stem.1' }));
  x = h.gelu(h.conv(x, 64, 64, 1, { gain: 2, name: 'stem.2' }));
  const dims = [64, 128, 256, 512];
  const layers = [2, 6, 10, 2];
  let hw = size / 4;
  for (let stage = 0; stage < 4; stage++) {
    const c = dims[stage];
    if (stage === 3) x = h.conv(x, c, c, 7, { groups: c, name: 'pos_emb.reparam_conv' }); // RepCPE
    for (let b = 0; b < layers[stage]; b++) {
      const name = `network.${stage}.${b}`;
      x = stage === 3 ? h.attentionBlock(x, c, hw, name) : h.repMixerBlock(x, c, name);
    }
    if (stage < 3) {
      x = h.patchEmbed(x, c, dims[stage + 1], stage + 1 >= 2, `patch_embed.${stage}`);
      hw /= 2;
    }
  }
  // conv_exp: MobileOneBlock 512 -> 1024, 3x3, groups 512, SE, GELU.
  x = h.gelu(h.se(h.conv(x, 512, 1024, 3, { groups: 512, name: 'conv_exp' }), 1024, 'conv_exp'));
  // GlobalPool2D: mean over H, W, then x @ proj [1024, 512].
  const pooled = g.one('ReduceMean', [x], { axes: [2, 3], keepdims: 0 });
  const embeds = g.one('MatMul', [pooled, h.tensor('head.proj', [1024, IO.dims], Math.sqrt(3 / 1024))]);
  g.node('Cast', [embeds], [IO.image.output], { to: DType.FLOAT });
  g.output(IO.image.output, DType.FLOAT, [BATCH, IO.dims]);
  return g.toBytes(DOC, OPSET);
}

// ---------------------------------------------------------------------------------------
// Text tower: float32 activations, uint8 weights (onnxruntime quantize_dynamic, QOperator).
class QuantNet {
  private readonly g: GraphBuilder;
  private readonly next: Rand;
  constructor(g: GraphBuilder, next: Rand) {
    this.g = g;
    this.next = next;
  }

  f32(prefix: string, dims: number[], bound: number, centre = 0): string {
    const out = new Float32Array(count(dims));
    for (let i = 0; i < out.length; i++) out[i] = centre + (this.next() * 2 - 1) * bound;
    return this.g.constant(prefix, DType.FLOAT, dims, out);
  }
  /** uint8 weights, uniform over 0..255 around zero point 128, with the scale that gives variance ~gain/fanIn. */
  u8(prefix: string, dims: number[], fanIn: number, gain = 1): { w: string; scale: string; zero: string } {
    const out = new Uint8Array(count(dims));
    for (let i = 0; i < out.length; i++) out[i] = (this.next() * 256) | 0;
    const w = this.g.constant(prefix, DType.UINT8, dims, out);
    // Uniform over +-128 steps has std ~74 steps.
    const scale = this.g.f32(`${prefix}_scale`, [], [Math.sqrt(gain / fanIn) / 74]);
    const zero = this.g.u8(`${prefix}_zero_point`, [], [128]);
    return { w, scale, zero };
  }

  private rescale(int32: string, xScale: string, wScale: string): string {
    const g = this.g;
    const asFloat = g.one('Cast', [int32], { to: DType.FLOAT });
    return g.one('Mul', [asFloat, g.one('Mul', [xScale, wScale])]);
  }

  /** x @ W (+ b) as quantize_dynamic writes it. */
  linear(x: string, k: number, n: number, name: string, opts: { bias?: boolean; gain?: number } = {}): string {
    const g = this.g;
    const { w, scale, zero } = this.u8(`${name}.weight_quantized`, [k, n], k, opts.gain);
    const [xq, xs, xz] = g.node('DynamicQuantizeLinear', [x], 3);
    const y = this.rescale(g.one('MatMulInteger', [xq, w, xz, zero]), xs, scale);
    return opts.bias === false ? y : g.one('Add', [this.f32(`${name}.bias`, [n], 0.02), y]);
  }

  /** Conv (NCHW, 1 x L maps) as ConvInteger, bias added after, as quantize_dynamic writes it. */
  conv(x: string, cin: number, cout: number, kw: number, groups: number, name: string, gain = 1): string {
    const g = this.g;
    const fanIn = (cin / groups) * kw;
    const { w, scale, zero } = this.u8(`${name}.weight_quantized`, [cout, cin / groups, 1, kw], fanIn, gain);
    const [xq, xs, xz] = g.node('DynamicQuantizeLinear', [x], 3);
    const conv = g.one('ConvInteger', [xq, w, xz, zero], { kernel_shape: [1, kw], pads: [0, kw >> 1, 0, kw >> 1], group: groups, strides: [1, 1], dilations: [1, 1] });
    return g.one('Add', [this.rescale(conv, xs, scale), this.f32(`${name}.bias`, [1, cout, 1, 1], 0.02)]);
  }

  gelu(x: string): string {
    const g = this.g;
    const erf = g.one('Erf', [g.one('Div', [x, g.f32('sqrt2', [], [Math.SQRT2])])]);
    const y = g.one('Mul', [x, g.one('Add', [erf, g.f32('one', [], [1])])]);
    return g.one('Mul', [y, g.f32('half', [], [0.5])]);
  }

  layerNorm(x: string, c: number, name: string): string {
    return this.g.one('LayerNormalization', [x, this.f32(`${name}.weight`, [c], 0.1, 1), this.f32(`${name}.bias`, [c], 0.02)], { axis: -1, epsilon: { float: 1e-5 } });
  }

  /** repmixer.py RepMixerBlock on [b, 77, 512]: permute to [b, 512, 1, 77], mixer, ConvFFN, back. */
  repMixerBlock(x: string, c: number, name: string): string {
    const g = this.g;
    const map = g.one('Unsqueeze', [g.one('Transpose', [x], { perm: [0, 2, 1] }), g.i64(`${name}.axis`, [1], [2])]);
    const mixed = this.conv(map, c, c, 11, c, `${name}.token_mixer.reparam_conv`);
    const dw = this.conv(mixed, c, c, 11, c, `${name}.convffn.conv`);
    const hidden = this.gelu(this.conv(dw, c, 4 * c, 1, 1, `${name}.convffn.fc1`, 2));
    const ffn = this.conv(hidden, 4 * c, c, 1, 1, `${name}.convffn.fc2`);
    const scaled = g.one('Mul', [this.f32(`${name}.layer_scale`, [c, 1, 1], 0.05, 0.15), ffn]);
    const y = g.one('Add', [mixed, scaled]);
    return g.one('Transpose', [g.one('Squeeze', [y, g.i64(`${name}.axis`, [1], [2])])], { perm: [0, 2, 1] });
  }

  /** transformer.py TransformerEncoder (pre-norm), MultiHeadAttention with fused qkv. */
  transformerBlock(x: string, c: number, heads: number, ffn: number, seq: number, name: string): string {
    const g = this.g;
    const headDim = c / heads;
    const qkv = this.linear(this.layerNorm(x, c, `${name}.pre_norm_mha.0`), c, 3 * c, `${name}.qkv_proj`);
    // [b, S, 3C] -> [b, S, 3, h, c] -> transpose(1, 3) -> [b, h, 3, S, c]
    const split = g.one('Transpose', [g.one('Reshape', [qkv, g.i64(`${name}.shape_qkv`, [5], [0, seq, 3, heads, headDim])])], { perm: [0, 3, 2, 1, 4] });
    const part = (i: number) => g.one('Gather', [split, g.i64(`${name}.index`, [], [i])], { axis: 2 });
    const [q, k, v] = [part(0), part(1), part(2)];
    const scores = g.one('MatMul', [g.one('Mul', [q, g.f32(`${name}.scaling`, [], [headDim ** -0.5])]), g.one('Transpose', [k], { perm: [0, 1, 3, 2] })]);
    const attended = g.one('MatMul', [g.one('Softmax', [scores], { axis: -1 }), v]);
    const merged = g.one('Reshape', [g.one('Transpose', [attended], { perm: [0, 2, 1, 3] }), g.i64(`${name}.shape_merge`, [3], [0, seq, c])]);
    const y = g.one('Add', [this.linear(merged, c, c, `${name}.out_proj`), x]);
    const h = this.gelu(this.linear(this.layerNorm(y, c, `${name}.pre_norm_ffn.0`), c, ffn, `${name}.pre_norm_ffn.1`, { gain: 2 }));
    return g.one('Add', [y, this.linear(h, ffn, c, `${name}.pre_norm_ffn.4`)]);
  }
}

export function buildTextStandin(seed = 0x5eed2): Uint8Array {
  const g = new GraphBuilder('mobileclip-s0-text-standin');
  const q = new QuantNet(g, mulberry32(seed));
  const { contextLength: seq } = IO.text;
  const c = IO.dims;
  g.input(IO.text.input, DType.INT64, [BATCH, seq]);
  // Token embedding: Gather on the uint8 table, then DequantizeLinear (quantize_dynamic's Gather).
  const table = q.u8('embedding_layer.weight_quantized', [IO.vocab, c], 1);
  const tokens = g.one('DequantizeLinear', [g.one('Gather', [table.w, IO.text.input], { axis: 0 }), table.scale, table.zero]);
  let x = g.one('Add', [tokens, q.f32('positional_embedding', [1, seq, c], c ** -0.5)]);
  x = q.repMixerBlock(x, c, 'transformer.0');
  for (let i = 1; i <= 4; i++) x = q.transformerBlock(x, c, 8, 4 * c, seq, `transformer.${i}`);
  x = q.repMixerBlock(x, c, 'transformer.5');
  x = q.layerNorm(x, c, 'final_layer_norm');
  // EOT token: the highest id of each row (text_encoder.py: text_tokens.argmax(dim=-1)).
  const eot = g.one('ArgMax', [IO.text.input], { axis: -1, keepdims: 1 });
  const pooled = g.one('GatherND', [x, eot], { batch_dims: 1 });
  const { w, scale, zero } = q.u8('projection_layer_quantized', [c, IO.dims], c);
  const [xq, xs, xz] = g.node('DynamicQuantizeLinear', [pooled], 3);
  const asFloat = g.one('Cast', [g.one('MatMulInteger', [xq, w, xz, zero])], { to: DType.FLOAT });
  g.node('Mul', [asFloat, g.one('Mul', [xs, scale])], [IO.text.output]);
  g.output(IO.text.output, DType.FLOAT, [BATCH, IO.dims]);
  return g.toBytes(DOC, OPSET);
}

// ---------------------------------------------------------------------------------------
/**
 * The same model with every initializer of at least minBytes moved to a side file (ONNX
 * external data, 64-byte aligned, `location` as written in the graph). Values are unchanged.
 */
export function splitExternalData(model: Uint8Array, location: string, minBytes = 1024): { graph: Uint8Array; data: Uint8Array } {
  const { onnx } = onnxProto;
  const proto = onnx.ModelProto.decode(model);
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const tensor of proto.graph?.initializer ?? []) {
    const raw = tensor.rawData;
    if (!raw || raw.length < minBytes) continue;
    const pad = (64 - (offset % 64)) % 64;
    if (pad) chunks.push(new Uint8Array(pad));
    offset += pad;
    chunks.push(raw);
    tensor.externalData = [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(raw.length) },
    ];
    tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    tensor.rawData = new Uint8Array(0);
    offset += raw.length;
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const chunk of chunks) { data.set(chunk, at); at += chunk.length; }
  return { graph: onnx.ModelProto.encode(proto).finish(), data };
}

export interface StandinFile {
  role: 'image' | 'text';
  /** 'single file' as published, or 'external data' (weights in `dataPath`). */
  layout: 'single file' | 'external data';
  path: string;
  dataPath?: string;
  /** Graph file plus data file. */
  bytes: number;
  targetBytes: number;
  variant: string;
  /** models/tools/pull/estimate.ts for this file alone in an isolate: RUNTIME_BYTES + estimateEncoderBytes. */
  estimateBytes: number;
}

const MODELS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function insideModels(dir: string): boolean {
  const real = (p: string) => { try { return realpathSync(p); } catch { return resolve(p); } };
  const rel = relative(real(MODELS_DIR), real(dir));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Writes both stand-ins into outDir (a new temp dir by default); refuses any dir under models/. */
export function writeStandins(outDir?: string, options: { externalData?: boolean } = {}): { dir: string; ms: number; files: StandinFile[] } {
  const t0 = performance.now();
  const dir = outDir ? resolve(outDir) : mkdtempSync(join(tmpdir(), 'clip-standins-'));
  if (insideModels(dir)) throw new Error(`refusing to write generated stand-ins under models/ (${dir}): nothing generated here may be committed`);
  mkdirSync(dir, { recursive: true });
  const files: StandinFile[] = [];
  for (const role of ['image', 'text'] as const) {
    const bytes = role === 'image' ? buildImageStandin() : buildTextStandin();
    const path = join(dir, STANDIN_FILES[role]);
    writeFileSync(path, bytes);
    const variant = STANDIN_VARIANTS[role];
    const common = { role, targetBytes: TARGET_BYTES[role], variant, estimateBytes: RUNTIME_BYTES + estimateEncoderBytes(role, variant, bytes.byteLength) };
    files.push({ ...common, layout: 'single file', path, bytes: bytes.byteLength });
    if (options.externalData) {
      const extPath = path.replace(/\.onnx$/, '.external.onnx');
      const location = `${STANDIN_FILES[role].replace(/\.onnx$/, '.external.onnx')}.data`;
      const { graph, data } = splitExternalData(bytes, location);
      writeFileSync(extPath, graph);
      writeFileSync(join(dir, location), data);
      files.push({ ...common, layout: 'external data', path: extPath, dataPath: join(dir, location), bytes: graph.byteLength + data.byteLength });
    }
  }
  return { dir, ms: Math.round(performance.now() - t0), files };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const externalData = args.includes('--external-data');
  const outDir = args.find((a) => !a.startsWith('--'));
  process.stdout.write(JSON.stringify(writeStandins(outDir, { externalData })) + '\n');
}
