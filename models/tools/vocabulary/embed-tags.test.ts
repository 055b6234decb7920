// Tag embeddings are a pure function of the vocabulary, the templates and the text
// tower (the committed record is what a rebuild gives), and the calibration fit
// recovers known constants.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelManifest } from '../../../shared/models/manifest.ts';
import { ClipTokenizer } from '../../../shared/text/clip-tokenizer.ts';
import { MODELS_DIR, buildTags, embedTags, readOverlay, readVocabulary } from './embed-tags.ts';
import { mulberry32 } from '../mulberry32.ts';
import { fitLogistic, pairs } from './fit-calibration.ts';

const ID = 'mobileclip-test';

describe('models/tools/vocabulary/embed-tags', () => {
  it("rebuilds the test model's tag embeddings to the sha256 that models.json records", async () => {
    const overlay = readOverlay();
    const built = await buildTags(ID, overlay);
    expect(built.record).toEqual(overlay[ID]!.files['tags']);
    expect(built.vocabulary).toEqual(readVocabulary().record);
    // Unit rows, one per tag.
    const values = new Float32Array(built.bytes.buffer, built.bytes.byteOffset, built.bytes.byteLength / 4);
    const dims = 512;
    expect(values.length).toBe(built.vocabulary.count * dims);
    for (const row of [0, 1000, built.vocabulary.count - 1]) {
      expect(Math.hypot(...values.subarray(row * dims, (row + 1) * dims))).toBeCloseTo(1, 5);
    }
    // A row does not depend on the batch it was computed in.
    const manifest = ModelManifest.parse(JSON.parse(readFileSync(join(MODELS_DIR, ID, 'manifest.json'), 'utf8')));
    const tokenizer = ClipTokenizer.fromMerges(readFileSync(join(MODELS_DIR, 'clip-tokenizer', 'merges.txt'), 'utf8'));
    const { names } = readVocabulary();
    const row = names.indexOf('red fox');
    const alone = await embedTags(readFileSync(join(MODELS_DIR, ID, 'text_model.onnx')), manifest.text!, tokenizer, ['red fox'], overlay[ID]!.tags.templates);
    expect(Array.from(alone)).toEqual(Array.from(values.subarray(row * dims, (row + 1) * dims)));
  });

  it('lists MobileCLIP-S0 with its templates and a provisional calibration, its embeddings unbuilt here', () => {
    const s0 = readOverlay()['mobileclip-s0']!;
    expect(s0.tags.templates.every((t) => t.includes('{}'))).toBe(true);
    expect(s0.tags.calibration.fitted).toMatch(/provisional/);
    expect(s0.files['tags']).toBeUndefined();
  });
});

describe('models/tools/vocabulary/fit-calibration', () => {
  it('recovers scale and bias from labels drawn with known ones', () => {
    const next = mulberry32(7);
    const n = 40_000;
    const x = new Float64Array(n);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = -0.1 + 0.6 * next();
      y[i] = next() < 1 / (1 + Math.exp(-40 * (x[i]! - 0.3))) ? 1 : 0;
    }
    const fit = fitLogistic(x, y);
    expect(fit.scale).toBeGreaterThan(36);
    expect(fit.scale).toBeLessThan(44);
    expect(fit.bias).toBeCloseTo(0.3, 2);
    expect(fit.logLoss).toBeGreaterThan(0);
  });

  it('refuses labels that cannot be fitted', () => {
    expect(() => fitLogistic([0.1, 0.2], [0, 0])).toThrow(/both present and absent/);
    expect(() => fitLogistic([0.1], [1, 0])).toThrow(/as many/);
    expect(() => fitLogistic([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [1, 1, 0, 1, 0, 0])).toThrow(/not positive/);
  });

  it('turns labelled embeddings into (cosine, present) pairs over the whole vocabulary, aliases included', () => {
    const matrix = Float32Array.from([1, 0, 0, 1]);
    const aliases = new Map([['cat', 0], ['kitty', 0], ['car', 1]]);
    const { x, y } = pairs([{ embedding: [3, 4], tags: ['Kitty'] }], ['cat', 'car'], aliases, matrix, 2);
    expect(Array.from(x)).toEqual([0.6, 0.8]);
    expect(Array.from(y)).toEqual([1, 0]);
    expect(() => pairs([{ embedding: [1, 0], tags: ['dog'] }], ['cat', 'car'], aliases, matrix, 2)).toThrow(/not a tag/);
  });
});
