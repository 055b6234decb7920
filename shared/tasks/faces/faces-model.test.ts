import { describe, expect, it } from 'vitest';
import frontGolden from '../../../test/golden/faces/blazeface-front.json';
import policyGolden from '../../../test/golden/faces/faces-policy.json';
import type { Face } from './decode-faces.ts';
import type { FaceModel, FaceModelManifest, FaceRunInfo } from './run-faces.ts';

/**
 * The real models, loaded by the Worker's own loader (static assets, sha256
 * check) and run by onnxruntime-web inside workerd, against the
 * onnxruntime-node golden files of test/golden/faces. Workerd only: in Node
 * the golden generator itself is the reference, so everything runtime-bound
 * is imported inside the test, and the suite is skipped elsewhere.
 */
const inWorkerd = typeof navigator !== 'undefined' && navigator.userAgent === 'Cloudflare-Workers';

/** Same faces, scores within `score`, box corners and keypoints within `px` pixels. */
function expectSameFaces(actual: Face[], expected: Face[], label: string, tolerance: { score: number; px: number }) {
  expect(actual.length, label).toBe(expected.length);
  actual.forEach((face, i) => {
    const want = expected[i]!;
    expect(Math.abs(face.score - want.score), `${label} face ${i} score`).toBeLessThan(tolerance.score);
    for (const k of ['xmin', 'ymin', 'xmax', 'ymax'] as const) expect(Math.abs(face.box[k] - want.box[k]), `${label} face ${i} ${k}`).toBeLessThanOrEqual(tolerance.px);
    face.keypoints.forEach((p, j) => {
      expect(p.name).toBe(want.keypoints[j]!.name);
      expect(Math.max(Math.abs(p.x - want.keypoints[j]!.x), Math.abs(p.y - want.keypoints[j]!.y)), `${label} face ${i} ${p.name}`).toBeLessThanOrEqual(tolerance.px);
    });
  });
}

describe.skipIf(!inWorkerd)('BlazeFace in onnxruntime-web inside workerd', () => {
  it('finds the faces the onnxruntime-node reference finds', async () => {
    const { env } = await import('cloudflare:workers');
    const { loadModel } = await import('../../models/model-store.ts');
    const { onnxRuntime } = await import('../../inference/ort-wasm.ts');
    const { decodeImage } = await import('../../image/decode.ts');
    const { wasmDecoders } = await import('../../image/wasm-codecs.ts');
    const { probeImage } = await import('../../image/probe.ts');
    const { detectFaces, facesDecodeTarget } = await import('./run-faces.ts');
    const frontJson = (await import('../../../models/blazeface-front/manifest.json')).default;
    const backJson = (await import('../../../models/blazeface-back/manifest.json')).default;
    const photos: Record<string, Uint8Array> = {
      'test/fixtures/photos/portrait-grace-hopper.jpg': (await import('../../../test/fixtures/photos/portrait-grace-hopper.jpg?bytes')).default,
      'test/fixtures/photos/portrait-astronaut-eileen-collins.png': (await import('../../../test/fixtures/photos/portrait-astronaut-eileen-collins.png?bytes')).default,
      'test/fixtures/photos/person-dog-horse.jpg': (await import('../../../test/fixtures/photos/person-dog-horse.jpg?bytes')).default,
      'test/fixtures/photos/dogs-two-spaniels.jpg': (await import('../../../test/fixtures/photos/dogs-two-spaniels.jpg?bytes')).default,
      'test/fixtures/photos/cat-chelsea.jpg': (await import('../../../test/fixtures/photos/cat-chelsea.jpg?bytes')).default,
      'test/fixtures/faces/small-face-large-photo.jpg': (await import('../../../test/fixtures/faces/small-face-large-photo.jpg?bytes')).default,
    };

    const ort = await onnxRuntime();
    // Until manifest.ts knows the blazeface decoder, the JSON goes to the loader unparsed.
    type Manifest = Parameters<typeof loadModel>[1];
    const load = async (json: unknown) => {
      const model = await loadModel(env.MODEL_FILES, json as Manifest);
      return { manifest: json as FaceModelManifest, session: model.session } satisfies FaceModel<InstanceType<typeof ort.Tensor>>;
    };
    const front = await load(frontJson);
    const back = await load(backJson);
    const runtime = { tensor: (data: Float32Array, dims: readonly number[]) => new ort.Tensor('float32', data, dims) };

    const decodeOptions = { decoders: wasmDecoders, limits: { maxFullDecodePixels: 4_000_000 }, maxPixels: 25_000_000 };
    const where = (runs: Array<{ model: string; region: unknown }>) => runs.map(({ model, region }) => ({ model, region }));
    const cases: Array<{ models: { front: typeof front; back?: typeof back }; tiles: 'auto' | 'off'; golden: Array<{ photo: string; output: { faces: Face[]; runs?: FaceRunInfo[] } }> }> = [
      { models: { front }, tiles: 'off', golden: frontGolden.cases },
      { models: { front, back }, tiles: 'auto', golden: policyGolden.cases },
    ];
    for (const { models, tiles, golden } of cases) {
      for (const want of golden) {
        const bytes = photos[want.photo]!;
        const info = probeImage(bytes, { maxPixels: 25_000_000 });
        const imageSize = { width: info.width, height: info.height };
        const label = `${want.photo} (${Object.keys(models).join('+')}, tiles ${tiles})`;
        // As the route runs it (and the generator did): decode only as large as the runs need.
        // Same decoder, same JS; only ORT's wasm and native kernels differ (measured: scores
        // within 3e-4, boxes equal).
        const target = facesDecodeTarget(info.width, info.height, { front: models.front.manifest, back: models.back?.manifest }, tiles);
        const pixels = await decodeImage(bytes, info, { ...decodeOptions, target });
        const result = await detectFaces(pixels, models, { max: 20, tiles, imageSize }, runtime);
        expectSameFaces(result.faces, want.output.faces, label, { score: 2e-3, px: 2 });
        // Same runs over the same regions (candidate counts may differ by one near the threshold).
        if (want.output.runs) expect(where(result.runs)).toEqual(where(want.output.runs));

        // A full-size decode finds the same faces: reduced decoding costs nothing that matters
        // (measured: scores within 2e-3, boxes within 2 px of the 3000 px photo).
        const full = await decodeImage(bytes, info, decodeOptions);
        const fromFull = await detectFaces(full, models, { max: 20, tiles }, runtime);
        expectSameFaces(fromFull.faces, want.output.faces, `${label}, full decode`, { score: 0.01, px: Math.max(3, Math.ceil(Math.max(info.width, info.height) / 300)) });
      }
    }
  }, 120_000);
});
