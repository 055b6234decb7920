// Decode + resize cost inside workerd for 0.3, 1 and 12 MP JPEGs, beside
// native libjpeg-turbo + libvips (sharp) on the same bytes. Part of `npm run bench`.
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { uniqueCopy } from './lib/bodies.mjs';
import { fmt, median, serverTiming } from './lib/stats.mjs';

const SIZES = [
  { label: '0.3 MP', width: 640, height: 480 },
  { label: '1 MP', width: 1155, height: 866 },
  { label: '12 MP', width: 4000, height: 3000 },
];

export async function makeJpegs() {
  const source = readFileSync(new URL('../test/fixtures/photos/large-16mp-dandelions.jpg', import.meta.url));
  const out = [];
  for (const size of SIZES) {
    const bytes = await sharp(source).resize(size.width, size.height, { fit: 'cover' }).jpeg({ quality: 85 }).toBuffer();
    out.push({ ...size, bytes: new Uint8Array(bytes) });
  }
  return out;
}


export async function benchDecode(origin, jpegs, runs = 7) {
  const rows = [];
  for (const jpeg of jpegs) {
    const stages = [];
    for (let i = 0; i < runs + 1; i++) {
      const body = uniqueCopy(jpeg.bytes, `decode-bench-${Date.now()}-${i}`);
      const response = await fetch(`${origin}/v1/inspect`, { method: 'POST', body, headers: { 'content-type': 'image/jpeg' } });
      if (!response.ok) throw new Error(`${jpeg.label}: ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
      if (i > 0) stages.push(serverTiming(response.headers.get('server-timing'))); // first run warms the codec
    }
    const native = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await sharp(jpeg.bytes).resize(224, 224, { fit: 'cover' }).raw().toBuffer();
      native.push(performance.now() - start);
    }
    const decode = median(stages.map((s) => s.decode ?? NaN));
    const resize = median(stages.map((s) => s.phash ?? NaN));
    rows.push({ label: jpeg.label, decode, resize, total: decode + resize, native: median(native) });
  }
  return rows;
}

export function decodeTable(rows) {
  const lines = [
    '| JPEG | workerd decode (ms) | workerd resize + pHash (ms) | workerd total | native sharp decode+resize to 224 (ms) | ratio |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows) lines.push(`| ${r.label} | ${fmt(r.decode)} | ${fmt(r.resize)} | ${fmt(r.total)} | ${fmt(r.native)} | ${(r.total / r.native).toFixed(1)}x |`);
  return lines.join('\n');
}
