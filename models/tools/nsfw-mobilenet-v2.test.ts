// The converted nsfwjs model under onnxruntime-web against the TS float reference of the
// Keras layers (weights as tfjs decodes them, BatchNorm unfolded) on real photos. That
// reference agrees with tfjs itself to 5.4e-7 and the ONNX file to 1.1e-6 on 29 photos
// (verify-upstream.ts); here both are float32 paths, so 1e-4 is a loose bound.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODELS_DIR, nsfwClassNames } from './build.ts';
import { loadPhoto } from './images.ts';
import { createSession, runPixels } from './ort-web.ts';
import { runKeras } from './reference/keras-float.ts';
import { SOURCES, readSource } from './sources.ts';
import { readTfjsLayersModel } from './tfjs.ts';

const PHOTOS = join(MODELS_DIR, '..', 'test', 'fixtures', 'photos');
const TOLERANCE = 1e-4;
const keras = readTfjsLayersModel(
  readSource(MODELS_DIR, SOURCES.nsfwModel).toString('utf8'),
  [readSource(MODELS_DIR, SOURCES.nsfwShard).toString('utf8')],
);
const argmax = (a: ArrayLike<number>) => { let b = 0; for (let i = 1; i < a.length; i++) if (a[i] > a[b]) b = i; return b; };

describe('TFJS reader', () => {
  it('reads the nsfwjs MobileNetV2 layers model', () => {
    expect(keras.layers).toHaveLength(162);
    expect(keras.weights.size).toBe(266);
    expect(keras.inputLayers).toEqual(['input_1']);
    expect(keras.outputLayers).toEqual(['dense_3']);
    const k = keras.weights.get('Conv1/kernel')!;
    expect(k.shape).toEqual([3, 3, 3, 32]);
    // kernels are uint8 codes whose zero is itself a code
    const zp = -k.quantized!.min / k.quantized!.scale;
    expect(Math.abs(zp - Math.round(zp))).toBeLessThan(1e-6);
  });

  it('takes the class order from nsfwjs', () => {
    const classes = nsfwClassNames(readSource(MODELS_DIR, SOURCES.nsfwClasses).toString('utf8'));
    expect(classes).toEqual(['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']);
    const manifest = JSON.parse(readFileSync(join(MODELS_DIR, 'nsfw-mobilenet-v2', 'manifest.json'), 'utf8'));
    expect(manifest.labels).toEqual(classes);
  });
});

describe('nsfw-mobilenet-v2 ONNX vs reference on photos', () => {
  let session: Awaited<ReturnType<typeof createSession>>;
  beforeAll(async () => {
    session = await createSession(readFileSync(join(MODELS_DIR, 'nsfw-mobilenet-v2', 'model.onnx')));
  });

  for (const photo of ['cat-chelsea.png', 'people-stairs-ascent-grayscale.png', 'room-wine-bottle-drum.jpg']) {
    it(photo, async () => {
      const x = await loadPhoto(join(PHOTOS, photo), 224, 'squash');
      const want = runKeras(keras, x);
      const got = await runPixels(session, x, 224);
      expect(got).toHaveLength(5);
      let d = 0;
      for (let i = 0; i < 5; i++) d = Math.max(d, Math.abs(got[i] - want[i]));
      expect(d).toBeLessThan(TOLERANCE);
      expect(argmax(got)).toBe(argmax(want));
      expect(got.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    });
  }
});
