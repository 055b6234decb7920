import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { InferenceSession, Tensor } from 'onnxruntime-web/wasm';
import { identityBytes, identitySession } from '../inference/ort-wasm.test-model.ts';
import { onnxRuntime } from '../inference/ort-wasm.ts';
import { mulberry32 } from '../../models/tools/mulberry32.ts';
import { externalizeWeights, OnnxFormatError } from './external-weights.ts';

type Ort = Awaited<ReturnType<typeof onnxRuntime>>;

/** A deterministic input for each graph input, its symbolic dimensions set to 1 (ids stay inside CLIP's vocabulary). */
function feedsFor(ort: Ort, session: InferenceSession): Record<string, Tensor> {
  const random = mulberry32(7);
  const feeds: Record<string, Tensor> = {};
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) throw new Error(`${meta.name} is not a tensor`);
    const dims = meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
    const n = dims.reduce((a, b) => a * b, 1);
    if (meta.type === 'int64') feeds[meta.name] = new ort.Tensor('int64', BigInt64Array.from({ length: n }, () => BigInt(Math.floor(random() * 49408))), dims);
    else if (meta.type === 'uint8') feeds[meta.name] = new ort.Tensor('uint8', Uint8Array.from({ length: n }, () => Math.floor(random() * 256)), dims);
    else feeds[meta.name] = new ort.Tensor('float32', Float32Array.from({ length: n }, () => random()), dims);
  }
  return feeds;
}

async function outputs(ort: Ort, session: InferenceSession, feeds: Record<string, Tensor>): Promise<Record<string, number[]>> {
  const results = await session.run(feeds);
  return Object.fromEntries(Object.entries(results).map(([name, t]) => [name, Array.from(t.data as Float32Array)]));
}

describe('weights as external data (what the model store hands onnxruntime-web)', () => {
  // Read as the Worker reads them (static assets), not bundled into the test module.
  const read = async (path: string) => new Uint8Array(await (await env.MODEL_FILES.fetch(`https://model-files/${path}`)).arrayBuffer());
  const models = {
    'mobileclip-test image': 'mobileclip-test/image_model.onnx',
    'mobileclip-test text': 'mobileclip-test/text_model.onnx',
    'mobilenet-v2 (uint8)': 'mobilenet-v2/model.onnx',
    'yolox-nano': 'yolox-nano/model.onnx',
    'ppocr-cls (weights in Constant nodes)': 'ppocr-cls/model.onnx',
    'ppocr-v4-rec (weights in Constant nodes)': 'ppocr-v4-rec/model.onnx',
  };

  for (const [name, path] of Object.entries(models)) {
    it(`${name}: the same outputs, bit for bit, as the self-contained file`, async () => {
      const ort = await onnxRuntime();
      const bytes = await read(path);
      const split = externalizeWeights(bytes);
      expect(split.externalData.length).toBeGreaterThan(0);
      const moved = split.externalData.reduce((sum, file) => sum + file.data.byteLength, 0);
      // Only the weights moved (and they were not copied: views into the input).
      expect(split.graph.byteLength + moved).toBeLessThan(bytes.byteLength + 64 * split.externalData.length);
      expect(split.externalData.every((file) => file.data.buffer === bytes.buffer)).toBe(true);
      const whole = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
      const external = await ort.InferenceSession.create(split.graph, { executionProviders: ['wasm'], externalData: split.externalData });
      const feeds = feedsFor(ort, whole);
      expect(await outputs(ort, external, feeds)).toEqual(await outputs(ort, whole, feeds));
      await Promise.all([whole.release(), external.release()]);
    });
  }

  it('leaves a graph with nothing to move as it is, byte for byte', async () => {
    const ort = await onnxRuntime();
    const { session } = await identitySession(ort);
    const bytes = identityBytes();
    expect(externalizeWeights(bytes)).toEqual({ graph: bytes, externalData: [] });
    await session.release();
  });

  it('refuses bytes that are not a protobuf message with OnnxFormatError, not a crash', async () => {
    expect(() => externalizeWeights(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]))).toThrow(OnnxFormatError);
    expect(() => externalizeWeights(Uint8Array.from([0x0f]))).toThrow(OnnxFormatError);
    const mobilenet = await read('mobilenet-v2/model.onnx');
    expect(() => externalizeWeights(mobilenet.subarray(0, mobilenet.byteLength - 100))).toThrow(OnnxFormatError);
  });
});
