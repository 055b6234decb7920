import type { Format } from './mutate.ts';

/**
 * The fuzz seeds, in the order cases use them (case i mutates seed i mod n).
 * Small encodings of real photos made by make-seeds.mjs, plus two animated
 * fixtures used as they are. Paths are relative to this folder.
 */
export const SEED_FILES: ReadonlyArray<{ path: string; format: Format }> = [
  { path: './seeds/cat-baseline.jpg', format: 'jpeg' },
  { path: './seeds/cat-progressive.jpg', format: 'jpeg' },
  { path: './seeds/cat-444-exif6.jpg', format: 'jpeg' },
  { path: './seeds/cat-grey.jpg', format: 'jpeg' },
  { path: './seeds/cat-rgb.png', format: 'png' },
  { path: './seeds/cat-palette.png', format: 'png' },
  { path: './seeds/cat-interlaced.png', format: 'png' },
  { path: './seeds/coffee-alpha.png', format: 'png' },
  { path: './seeds/cat-16bit.png', format: 'png' },
  { path: './seeds/cat-lossy.webp', format: 'webp' },
  { path: './seeds/cat-lossless.webp', format: 'webp' },
  { path: './seeds/coffee-alpha.webp', format: 'webp' },
  { path: '../fixtures/ingest/animated.webp', format: 'webp' },
  { path: './seeds/cat.gif', format: 'gif' },
  { path: '../fixtures/photos/animated-traffic-light-drawing.gif', format: 'gif' },
];
