// The MobileCLIP-S0 stand-ins (random weights, not MobileCLIP) keep what the memory and speed
// measurement relies on: the published files' size, weight dtypes and I/O, and they load and
// run in onnxruntime-web with a symbolic batch.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { IO, TARGET_BYTES, buildImageStandin, buildTextStandin, splitExternalData, toHalf, writeStandins } from './clip-standins.ts';
import { DType, GraphBuilder } from './onnx.ts';
import { MODELS_DIR } from './mobileclip-test-graphs.ts';
import { createSession, loadOrtWeb } from './ort-web.ts';

const { onnx } = onnxProto;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const tmp = mkdtempSync(join(tmpdir(), 'clip-standins-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const image = buildImageStandin();
const text = buildTextStandin();

type Graph = {
  input: onnxProto.onnx.IValueInfoProto[];
  output: onnxProto.onnx.IValueInfoProto[];
  initializer: onnxProto.onnx.ITensorProto[];
  node: onnxProto.onnx.INodeProto[];
};
function decode(bytes: Uint8Array): Graph {
  const g = onnx.ModelProto.decode(bytes).graph!;
  return { input: g.input ?? [], output: g.output ?? [], initializer: g.initializer ?? [], node: g.node ?? [] };
}
const io = (values: onnxProto.onnx.IValueInfoProto[]) =>
  values.map((v) => ({
    name: v.name,
    type: v.type?.tensorType?.elemType,
    dims: v.type?.tensorType?.shape?.dim?.map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue))),
  }));
/** Bytes of initializer data per ONNX dtype. */
function bytesByType(model: Graph): Record<number, number> {
  const out: Record<number, number> = {};
  for (const t of model.initializer) out[t.dataType!] = (out[t.dataType!] ?? 0) + (t.rawData?.length ?? 0);
  return out;
}
const ops = (model: Graph) => model.node.map((n) => n.opType);

describe('models/tools/clip-standins', () => {
  it('converts float32 to IEEE half bits', () => {
    expect([1, -2, 0.5, 65504, 1e-7, 2 ** -14, 70000, 0].map(toHalf)).toEqual([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0002, 0x0400, 0x7c00, 0]);
    expect(toHalf(1 + 2 ** -11)).toBe(0x3c00); // a tie rounds to even
    expect(toHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });

  it('is within 2% of the published file sizes and deterministic', () => {
    expect(Math.abs(image.byteLength / TARGET_BYTES.image - 1)).toBeLessThan(0.02);
    expect(Math.abs(text.byteLength / TARGET_BYTES.text - 1)).toBeLessThan(0.02);
    expect(sha256(buildTextStandin())).toBe(sha256(text));
  });

  it('image: MobileCLIP-S0 I/O, fp16 weights only, Casts at the edges, conv-heavy', () => {
    const model = decode(image);
    expect(io(model.input)).toEqual([{ name: IO.image.input, type: DType.FLOAT, dims: ['batch_size', 3, 256, 256] }]);
    expect(io(model.output)).toEqual([{ name: IO.image.output, type: DType.FLOAT, dims: ['batch_size', 512] }]);
    const byType = bytesByType(model);
    expect(Object.keys(byType).map(Number).sort((a, b) => a - b)).toEqual([DType.INT64, DType.FLOAT16]); // no float32 weights
    expect(byType[DType.FLOAT16]).toBeGreaterThan(0.99 * image.byteLength);
    const nodes = model.node;
    expect(nodes[0]).toMatchObject({ opType: 'Cast', input: [IO.image.input] });
    expect(nodes.at(-1)).toMatchObject({ opType: 'Cast', output: [IO.image.output] });
    expect(ops(model).filter((op) => op === 'Conv').length).toBeGreaterThan(80);
    // The stem's first conv: 3 -> 64 channels, stride 2 (256 -> 128).
    const stem = nodes.find((n) => n.opType === 'Conv')!;
    const weight = model.initializer.find((t) => t.name === stem.input![1])!;
    expect(weight.dims!.map(Number)).toEqual([64, 3, 3, 3]);
  });

  it('text: MobileCLIP-S0 I/O, uint8 weights through DynamicQuantizeLinear + MatMulInteger, uint8 token table', () => {
    const model = decode(text);
    expect(io(model.input)).toEqual([{ name: IO.text.input, type: DType.INT64, dims: ['batch_size', 77] }]);
    expect(io(model.output)).toEqual([{ name: IO.text.output, type: DType.FLOAT, dims: ['batch_size', 512] }]);
    expect(bytesByType(model)[DType.UINT8]).toBeGreaterThan(0.98 * text.byteLength);
    const table = model.initializer.find((t) => t.dims!.map(Number).join() === '49408,512')!;
    expect(table.dataType).toBe(DType.UINT8);
    expect(model.node.find((n) => n.input?.includes(table.name!))?.opType).toBe('Gather');
    const counts = (op: string) => ops(model).filter((o) => o === op).length;
    expect(counts('MatMulInteger')).toBe(4 * 4 + 1);
    expect(counts('ConvInteger')).toBe(2 * 4);
    expect(counts('DynamicQuantizeLinear')).toBe(4 * 4 + 1 + 2 * 4);
    expect(counts('MatMul')).toBe(4 * 2); // only attention (activation x activation) stays float
  });

  it('both load and run in onnxruntime-web at batch 2 with finite [2, 512] outputs', async () => {
    const ort = await loadOrtWeb();
    const vision = await createSession(image);
    const pixels = new ort.Tensor('float32', new Float32Array(2 * 3 * 256 * 256).map((_, i) => (i % 251) / 251), [2, 3, 256, 256]);
    const embeds = (await vision.run({ [IO.image.input]: pixels }))[IO.image.output]!;
    await vision.release();
    expect([embeds.type, embeds.dims]).toEqual(['float32', [2, 512]]);
    expect((embeds.data as Float32Array).every(Number.isFinite)).toBe(true);

    const textSession = await createSession(text);
    const ids = new BigInt64Array(2 * 77);
    [49406, 320, 1125, 539, 320, 1929, 269, 49407].forEach((id, i) => { ids[i] = BigInt(id); ids[77 + i] = BigInt(id === 1929 ? 736 : id); });
    const out = (await textSession.run({ [IO.text.input]: new ort.Tensor('int64', ids, [2, 77]) }))[IO.text.output]!;
    await textSession.release();
    expect([out.type, out.dims]).toEqual(['float32', [2, 512]]);
    const data = out.data as Float32Array;
    expect(data.every(Number.isFinite)).toBe(true);
    expect(data.slice(0, 512)).not.toEqual(data.slice(512)); // the two texts differ by one token
  });

  it('moves weights to external data without changing what the model computes', async () => {
    const g = new GraphBuilder('external');
    g.input('x', DType.FLOAT, ['b', 64]);
    g.node('MatMul', ['x', g.f32('w', [64, 32], Array.from({ length: 64 * 32 }, (_, i) => Math.sin(i)))], ['y']);
    g.output('y', DType.FLOAT, ['b', 32]);
    const single = g.toBytes('external-data test');
    const { graph, data } = splitExternalData(single, 'w.data');
    expect(data.byteLength).toBe(64 * 32 * 4);
    expect(graph.byteLength).toBeLessThan(1024);
    const ort = await loadOrtWeb();
    const x = new ort.Tensor('float32', Float32Array.from({ length: 64 }, (_, i) => i / 64), [1, 64]);
    const a = await createSession(single);
    const b = await createSession(graph, { externalData: [{ path: 'w.data', data }] });
    expect((await b.run({ x })).y!.data).toEqual((await a.run({ x })).y!.data);
  });

  it('writes into a temp dir, and refuses models/', () => {
    const written = writeStandins(join(tmp, 'out'), { externalData: true });
    expect(written.files.map((f) => [f.role, f.layout])).toEqual([
      ['image', 'single file'], ['image', 'external data'], ['text', 'single file'], ['text', 'external data'],
    ]);
    for (const f of written.files) expect(f.estimateBytes).toBeGreaterThan(f.bytes);
    expect(() => writeStandins(MODELS_DIR)).toThrow(/refusing/);
    expect(() => writeStandins(join(MODELS_DIR, 'tools', 'x'))).toThrow(/refusing/);
  });
});
