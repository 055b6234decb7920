/**
 * Times decodeJpeg (TypeScript, DCT-domain scaling) against @jsquash/jpeg
 * (mozjpeg in WASM) on synthetic photo-like JPEGs of 0.3, 1 and 12 MP, baseline
 * and progressive, plus the real photos in test/fixtures/photos if present.
 *
 *   node_modules/.bin/node shared/image/jpeg/bench.mjs [--runs 9] [--quick] [--memory]
 *
 * Node 22 imports the .ts decoder directly (type stripping). Prints the
 * median (and minimum) of the runs, after 2 warm-up runs, in milliseconds of
 * wall time; other processes on the machine add noise to medians.
 * --memory also measures peak memory: each decoder decodes the 12 MP images
 * once in a fresh child process, and the growth of the child's peak resident
 * set size (VmHWM) is reported: JS heap, ArrayBuffers and WASM memory alike.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJpeg } from './decode-jpeg.ts';
import { initMozjpeg, mozOptions } from './fixtures/make-fixtures.mjs';
import { synthImage } from './fixtures/synth.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 9;
const quick = args.includes('--quick');

/**
 * Peak resident set size of this process in KB. VmHWM belongs to the address
 * space, so it starts fresh in a child; getrusage's maxRSS would start at
 * the (large) parent's size on Linux.
 */
function peakRssKb() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}

if (args[0] === '--child') {
  // Memory probe: decode one file once with one decoder; print the peak RSS growth in MB.
  const [, decoder, scale, file] = args;
  const bytes = new Uint8Array(readFileSync(file));
  const tiny = new Uint8Array(readFileSync(path.join(here, 'fixtures/baseline-420.jpg')));
  const moz = decoder === 'mozjpeg' ? await initMozjpeg() : null;
  // Load and run the code once on a tiny image so code and warm-up allocations are not counted.
  if (moz) await moz.decode(tiny);
  else decodeJpeg(tiny);
  const s = Number(scale);
  const w = sofInfo(bytes).width;
  globalThis.gc?.();
  const before = peakRssKb();
  const result = moz ? await moz.decode(bytes) : decodeJpeg(bytes, s === 1 ? {} : { minWidth: Math.ceil(w / s) });
  const after = peakRssKb();
  console.log(JSON.stringify({ mb: (after - before) / 1024, pixels: result.width * result.height }));
  process.exit(0);
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(fn, n = runs) {
  for (let i = 0; i < 2; i++) await fn();
  const t = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  return `${median(t).toFixed(1)} (${Math.min(...t).toFixed(1)})`;
}

function sofInfo(bytes) {
  let p = 2;
  while (p + 9 < bytes.length) {
    const m = bytes[p + 1];
    const len = (bytes[p + 2] << 8) | bytes[p + 3];
    if (m >= 0xc0 && m <= 0xc2) {
      const n = bytes[p + 9];
      const samp = [];
      for (let i = 0; i < n; i++) samp.push(`${bytes[p + 11 + 3 * i] >> 4}x${bytes[p + 11 + 3 * i] & 15}`);
      return { width: (bytes[p + 7] << 8) | bytes[p + 8], height: (bytes[p + 5] << 8) | bytes[p + 6], progressive: m === 0xc2, sampling: samp.join(',') };
    }
    p += 2 + len;
  }
  return null;
}

const moz = await initMozjpeg();
const cases = [];
const sizes = quick ? [[640, 480]] : [[640, 480], [1280, 800], [4000, 3000]];
for (const [w, h] of sizes) {
  const t0 = performance.now();
  const img = synthImage(w, h, 3);
  for (const progressive of [false, true]) {
    const bytes = await moz.encode(img, mozOptions({ quality: 85, progressive, subsample: 2 }));
    cases.push({ name: `synthetic ${((w * h) / 1e6).toFixed(1)} MP ${progressive ? 'progressive' : 'baseline'}`, bytes });
  }
  console.error(`generated ${w}x${h} in ${(performance.now() - t0).toFixed(0)} ms`);
}
const photos = path.join(here, '../../../test/fixtures/photos');
if (!quick && existsSync(photos)) {
  for (const f of readdirSync(photos).filter((n) => /\.jpe?g$/i.test(n)).sort()) cases.push({ name: f, bytes: new Uint8Array(readFileSync(path.join(photos, f))) });
}

console.log(`median (min) of ${runs} runs, ms wall time (Node ${process.version})`);
const col = (v) => String(v).padStart(14);
console.log(['image'.padEnd(36), 'size'.padEnd(10), 'kind'.padEnd(20), 'KB'.padStart(5), ...['mozjpeg', 'ours 1/1', '1/2', '1/4', '1/8'].map(col)].join(' '));
for (const c of cases) {
  const info = sofInfo(c.bytes);
  const row = [c.name.slice(0, 36).padEnd(36), `${info.width}x${info.height}`.padEnd(10), `${info.progressive ? 'prog' : 'base'} ${info.sampling}`.padEnd(20), String(Math.round(c.bytes.length / 1024)).padStart(5)];
  let mozMs;
  try {
    mozMs = await time(() => moz.decode(c.bytes));
  } catch {
    mozMs = 'n/a'; // mozjpeg's build cannot output CMYK as RGBA
  }
  row.push(col(mozMs));
  for (const scale of [1, 2, 4, 8]) {
    const opts = scale === 1 ? {} : { minWidth: Math.ceil(info.width / scale), minHeight: Math.ceil(info.height / scale) };
    try {
      row.push(col(await time(() => decodeJpeg(c.bytes, opts))));
    } catch (error) {
      row.push(col(error.code));
    }
  }
  console.log(row.join(' '));
}

if (args.includes('--memory')) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jpeg-bench-'));
  console.log('\npeak memory growth (MB of max RSS) for one decode in a fresh process');
  console.log(['image'.padEnd(36), ...['mozjpeg', 'ours 1/1', '1/2', '1/4', '1/8'].map(col)].join(' '));
  for (const c of cases.filter((x) => x.name.includes('12.0 MP') || x.name.includes('16mp'))) {
    const file = path.join(dir, 'image.jpg');
    writeFileSync(file, c.bytes);
    const row = [c.name.slice(0, 36).padEnd(36)];
    for (const [decoder, scale] of [['mozjpeg', 1], ['ours', 1], ['ours', 2], ['ours', 4], ['ours', 8]]) {
      const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', decoder, String(scale), file], { encoding: 'utf8' });
      const line = child.stdout.trim().split('\n').pop();
      row.push(col(child.status === 0 && line ? JSON.parse(line).mb.toFixed(1) : 'failed'));
    }
    console.log(row.join(' '));
  }
  rmSync(dir, { recursive: true, force: true });
}
