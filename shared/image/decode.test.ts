import { describe, expect, it } from 'vitest';
import orientation1 from '../../test/fixtures/ingest/orientation-1.jpg?bytes';
import orientation2 from '../../test/fixtures/ingest/orientation-2.jpg?bytes';
import orientation3 from '../../test/fixtures/ingest/orientation-3.jpg?bytes';
import orientation4 from '../../test/fixtures/ingest/orientation-4.jpg?bytes';
import orientation5 from '../../test/fixtures/ingest/orientation-5.jpg?bytes';
import orientation6 from '../../test/fixtures/ingest/orientation-6.jpg?bytes';
import orientation7 from '../../test/fixtures/ingest/orientation-7.jpg?bytes';
import orientation8 from '../../test/fixtures/ingest/orientation-8.jpg?bytes';
import alphaPng from '../../test/fixtures/ingest/alpha.png?bytes';
import photoJpg from '../../test/fixtures/ingest/photo.jpg?bytes';
import animatedGif from '../../test/fixtures/ingest/animated.gif?bytes';
import { decodeImage } from './decode.ts';
import { wasmDecoders } from './wasm-codecs.ts';
import { probeImage } from './probe.ts';
import type { Raster } from './raster.ts';

const LIMITS = { maxPixels: 25_000_000 };

function pixel(image: Raster, x: number, y: number): [number, number, number] {
  const o = (y * image.width + x) * 3;
  return [image.data[o]!, image.data[o + 1]!, image.data[o + 2]!];
}

const OPTIONS = { decoders: wasmDecoders, limits: { maxFullDecodePixels: 4_000_000 }, maxPixels: LIMITS.maxPixels };
const decode = (bytes: Uint8Array) => decodeImage(bytes, probeImage(bytes, LIMITS), OPTIONS);

describe('decodeImage', () => {
  // Each fixture stores the same upright picture (red top-left, blue
  // top-right, green bottom) as EXIF orientation N requires.
  it.each([
    orientation1, orientation2, orientation3, orientation4, orientation5, orientation6, orientation7, orientation8,
  ].map((bytes, i) => [i + 1, bytes] as const))('turns EXIF orientation %i upright', async (orientation, bytes) => {
    const info = probeImage(bytes, LIMITS);
    expect(info.orientation).toBe(orientation);
    expect([info.width, info.height]).toEqual([60, 40]);
    const image = await decodeImage(bytes, info, OPTIONS);
    expect([image.width, image.height]).toEqual([60, 40]);
    const [r1, g1, b1] = pixel(image, 10, 8);
    const [r2, g2, b2] = pixel(image, 50, 8);
    const [r3, g3, b3] = pixel(image, 30, 32);
    expect(r1).toBeGreaterThan(180);
    expect(g1 + b1).toBeLessThan(120);
    expect(b2).toBeGreaterThan(180);
    expect(r2 + g2).toBeLessThan(120);
    expect(g3).toBeGreaterThan(160);
    expect(r3 + b3).toBeLessThan(120);
  });

  it('decodes a JPEG no larger than asked, at a DCT scale', async () => {
    const info = probeImage(photoJpg, LIMITS);
    const small = await decodeImage(photoJpg, info, { ...OPTIONS, target: { minWidth: 80, minHeight: 60 } });
    expect([small.width, small.height]).toEqual([80, 60]);
    const half = await decodeImage(photoJpg, info, { ...OPTIONS, target: { minWidth: 300, minHeight: 200 } });
    expect([half.width, half.height]).toEqual([320, 240]);
  });

  it('flattens transparency onto white', async () => {
    const image = await decode(alphaPng);
    expect(pixel(image, image.width - 5, 5)).toEqual([255, 255, 255]);
    expect(pixel(image, 5, 5)).not.toEqual([255, 255, 255]);
  });

  it('decodes the first frame of an animated GIF at the canvas size', async () => {
    const image = await decode(animatedGif);
    expect([image.width, image.height]).toEqual([160, 120]);
    // The first frame's sun is on the right (x ~ 0.75 of the width).
    const [r, g] = pixel(image, 120, 26);
    expect(r).toBeGreaterThan(200);
    expect(g).toBeGreaterThan(170);
  });
});
