// The committed test graphs are exactly what the generator writes now (deterministic),
// and they keep MobileCLIP-S0's I/O, so API code tested on them fits the real model.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelManifest } from '../../shared/models/manifest.ts';
import { ClipTokenizer, toBigInt64 } from '../../shared/text/clip-tokenizer.ts';
import { COLOUR_TOKENS, IO, MODELS_DIR, TEST_MODEL_ID, buildTestModel, writeTestModel } from './mobileclip-test-graphs.ts';
import { createSession, loadOrtWeb } from './ort-web.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const tmp = mkdtempSync(join(tmpdir(), 'mobileclip-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const committed = JSON.parse(readFileSync(join(MODELS_DIR, TEST_MODEL_ID, 'manifest.json'), 'utf8')) as {
  files: Record<string, { path: string; bytes: number; sha256: string }>;
};

describe('models/tools/mobileclip-test-graphs', () => {
  it('rebuilds the committed files byte for byte, with the committed manifest', () => {
    const dir = writeTestModel(tmp);
    for (const entry of Object.values(committed.files)) {
      const rebuilt = readFileSync(join(dir, entry.path));
      expect(rebuilt.length, entry.path).toBe(entry.bytes);
      expect(sha256(rebuilt), entry.path).toBe(entry.sha256);
      expect(sha256(readFileSync(join(MODELS_DIR, TEST_MODEL_ID, entry.path))), entry.path).toBe(entry.sha256);
    }
    expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toBe(readFileSync(join(MODELS_DIR, TEST_MODEL_ID, 'manifest.json'), 'utf8'));
  });

  it('writes a manifest the API accepts, small files, and says it is not a real model', () => {
    const { manifest, files } = buildTestModel();
    const parsed = ModelManifest.safeParse(manifest);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(parsed.data?.description).toMatch(/random weights, NOT a real model/);
    for (const bytes of Object.values(files)) expect(bytes.byteLength).toBeLessThan(300_000);
  });

  it('has MobileCLIP-S0 input and output names, shapes and dtypes', async () => {
    const ort = await loadOrtWeb();
    const vision = await createSession(readFileSync(join(MODELS_DIR, TEST_MODEL_ID, 'image_model.onnx')));
    const text = await createSession(readFileSync(join(MODELS_DIR, TEST_MODEL_ID, 'text_model.onnx')));
    expect([vision.inputNames, vision.outputNames]).toEqual([[IO.image.input], [IO.image.output]]);
    expect([text.inputNames, text.outputNames]).toEqual([[IO.text.input], [IO.text.output]]);
    const pixels = new ort.Tensor('float32', new Float32Array(2 * 3 * 256 * 256).fill(0.5), [2, 3, 256, 256]);
    const image = (await vision.run({ [IO.image.input]: pixels }))[IO.image.output]!;
    expect([image.type, image.dims]).toEqual(['float32', [2, 512]]);
    const ids = new ort.Tensor('int64', new BigInt64Array(3 * 77), [3, 77]);
    const embeds = (await text.run({ [IO.text.input]: ids }))[IO.text.output]!;
    expect([embeds.type, embeds.dims]).toEqual(['float32', [3, 512]]);
  });

  it('puts a colour word near the image of that colour (what the API tests rely on)', async () => {
    const tokenizer = ClipTokenizer.fromMerges(readFileSync(join(MODELS_DIR, 'clip-tokenizer', 'merges.txt'), 'utf8'));
    for (const [word, id] of Object.entries(COLOUR_TOKENS)) expect(tokenizer.encode(word)).toEqual([id]);
    const ort = await loadOrtWeb();
    const vision = await createSession(readFileSync(join(MODELS_DIR, TEST_MODEL_ID, 'image_model.onnx')));
    const text = await createSession(readFileSync(join(MODELS_DIR, TEST_MODEL_ID, 'text_model.onnx')));
    const unit = (v: Float32Array) => {
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    };
    const labels = ['a photo of red.', 'a photo of green.', 'a photo of blue.'];
    const { ids } = tokenizer.tokenize(labels);
    const t = (await text.run({ input_ids: new ort.Tensor('int64', toBigInt64(ids), [3, 77]) })).text_embeds!.data as Float32Array;
    const colours = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
    for (let c = 0; c < 3; c++) {
      const px = new Float32Array(3 * 256 * 256);
      colours[c]!.forEach((v, ch) => px.fill(v, ch * 65536, (ch + 1) * 65536));
      const out = (await vision.run({ pixel_values: new ort.Tensor('float32', px, [1, 3, 256, 256]) })).image_embeds!.data as Float32Array;
      const image = unit(out);
      const cosines = labels.map((_, l) => {
        const row = unit(t.slice(l * 512, (l + 1) * 512));
        return row.reduce((s, x, k) => s + x * image[k]!, 0);
      });
      expect(cosines[c]).toBeGreaterThan(0.9);
      cosines.forEach((cos, l) => l !== c && expect(Math.abs(cos)).toBeLessThan(0.2));
    }
  });
});

// The real model's committed manifest (weights pulled at deploy time) is exactly what
// `npm run models:pull -- mobileclip-s0` writes for its recommended variant, so a pull
// never changes what the registry already lists.
describe('models/mobileclip-s0/manifest.json', () => {
  it('is what the pull tool writes for the recommended variant, from the pinned sizes and sha256', async () => {
    const { buildManifest } = await import('./pull/pull-model.ts');
    const { ASSET_LIMIT_BYTES } = await import('./pull/estimate.ts');
    const { loadSources, selectFiles } = await import('./pull/sources.ts');
    const sources = loadSources(join(MODELS_DIR, 'pull-sources.json'));
    const model = sources.models['mobileclip-s0']!;
    const names = { image: 'image_model.onnx', text: 'text_model.onnx', licence: 'LICENSE' } as const;
    const installed = selectFiles(model, model.defaultVariant).map(({ role, file }) => {
      const servedToWorker = file.bytes! <= ASSET_LIMIT_BYTES;
      return {
        role, variant: file.variant, upstreamPath: file.path, bytes: file.bytes!, sha256: file.sha256!, unverified: false, servedToWorker,
        path: servedToWorker ? names[role] : `source/${names[role]}`, action: 'downloaded' as const,
      };
    });
    const expected = buildManifest('mobileclip-s0', model.defaultVariant, model, sources, installed);
    const committed = readFileSync(join(MODELS_DIR, 'mobileclip-s0', 'manifest.json'), 'utf8');
    expect(committed).toBe(`${JSON.stringify(expected, null, 2)}\n`);
    // The text encoder (42.8 MB) is over the asset limit: read from R2.
    expect(expected.files['text']).toMatchObject({ path: 'source/text_model.onnx', store: 'r2' });
    expect(expected.files.model.store).toBeUndefined();
  });
});
