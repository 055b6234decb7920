// Writes the fuzz seeds: small encodings of real photos from test/fixtures/photos
// (see SOURCES.md there), one per format feature the decoders branch on. Small
// so thousands of mutations decode in seconds; real so the mutated structure
// is what cameras and encoders produce. Re-run only to add seeds:
//   node test/fuzz/make-seeds.mjs
// Two more seeds are fixtures used as they are (test/fuzz/seeds.ts).
import sharp from 'sharp';
import { mkdirSync } from 'node:fs';

const out = new URL('./seeds/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });
const photos = new URL('../fixtures/photos/', import.meta.url).pathname;
const cat = () => sharp(`${photos}cat-chelsea.jpg`).resize(96, 64);
const coffee = () => sharp(`${photos}coffee-cup-saucer.png`).resize(80, 60);

const seeds = {
  'cat-baseline.jpg': () => cat().jpeg({ quality: 80, chromaSubsampling: '4:2:0' }),
  'cat-progressive.jpg': () => cat().jpeg({ quality: 80, progressive: true }),
  'cat-444-exif6.jpg': () => cat().jpeg({ quality: 90, chromaSubsampling: '4:4:4' }).withMetadata({ orientation: 6 }),
  'cat-grey.jpg': () => cat().toColourspace('b-w').jpeg({ quality: 75 }),
  'cat-rgb.png': () => cat().png({ compressionLevel: 6 }),
  'cat-palette.png': () => cat().png({ palette: true, colours: 32 }),
  'cat-interlaced.png': () => cat().png({ progressive: true }),
  'coffee-alpha.png': () => coffee().ensureAlpha(0.6).png(),
  'cat-16bit.png': () => cat().toColourspace('rgb16').png(),
  'cat-lossy.webp': () => cat().webp({ quality: 70 }),
  'cat-lossless.webp': () => cat().webp({ lossless: true }),
  'coffee-alpha.webp': () => coffee().ensureAlpha(0.6).webp({ quality: 70 }),
  'cat.gif': () => cat().gif({ colours: 64 }),
};

for (const [name, make] of Object.entries(seeds)) {
  const info = await make().toFile(`${out}${name}`);
  console.log(`${name}: ${info.width}x${info.height}, ${info.size} bytes`);
}
