// node bench/alt-text.mjs [requests per scenario, default 40] [images per page, default 40]
//
// What the alt-text proxy adds to a page: time to the first body byte and to
// the last, medians over sequential requests, for one HTML page (~60 KB, N
// images without alt) served by a local origin:
//   origin      the origin itself (no Worker)
//   passthru    the same bytes through the proxy as text/plain (the proxy hop, no rewrite)
//   miss        the page through the proxy with no alt known yet (KV miss, rewrite, a queue message)
//   hit         the page through the proxy with every alt known (one KV read, N attributes written)
// and the design question behind it: what an HTMLRewriter handler that awaits
// a KV read per image costs, against one read per page (a small Worker written
// to a temporary folder; same page, same local KV).
//
// Runs the real Workers (alt-text proxy, API, OCR) with wrangler's
// createTestHarness, local KV and Queues. Local KV is SQLite on this machine:
// a production KV read is ~1-10 ms when hot and can be 100+ ms cold, so the
// per-image figure grows accordingly there, the per-page one does not.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestHarness } from 'wrangler';
import { fmt, median, percentile } from './lib/stats.mjs';

const REQUESTS = Number(process.argv[2] ?? 40);
const IMAGES = Number(process.argv[3] ?? 40);
const PHOTOS = ['cat-chelsea.jpg', 'dog-bicycle-truck.jpg', 'giraffe-zebra.jpg', 'eagle-shore.jpg'];

const paragraph = '<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris.</p>\n';
function page() {
  let body = '';
  for (let i = 0; i < IMAGES; i++) {
    body += paragraph.repeat(6);
    // Distinct URLs, four distinct pictures: each URL fetched once, each picture captioned once.
    body += `<figure><img src="/img/${PHOTOS[i % PHOTOS.length]}?n=${i}" width="320" height="240" class="photo"></figure>\n`;
  }
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Bench</title></head><body>\n${body}</body></html>\n`;
}
const HTML = page();

function startOrigin() {
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname.startsWith('/page')) {
      res.writeHead(200, { 'content-type': url.pathname.endsWith('.txt') ? 'text/plain' : 'text/html; charset=utf-8' }).end(HTML);
    } else if (url.pathname.startsWith('/img/')) {
      res.writeHead(200, { 'content-type': 'image/jpeg' }).end(readFileSync(new URL(`../test/fixtures/photos/${url.pathname.slice(5)}`, import.meta.url)));
    } else res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${server.address().port}` })));
}

/** ms to the first body byte and to the end, from this process. */
async function timed(url) {
  const start = performance.now();
  const response = await fetch(url);
  const reader = response.body.getReader();
  let first;
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    first ??= performance.now() - start;
    bytes += value.byteLength;
  }
  return { first, total: performance.now() - start, bytes, status: response.status };
}

async function scenario(name, urlFor) {
  for (let i = 0; i < 5; i++) await timed(urlFor(-1 - i));
  const runs = [];
  for (let i = 0; i < REQUESTS; i++) runs.push(await timed(urlFor(i)));
  if (runs.some((r) => r.status !== 200)) throw new Error(`${name}: non-200 answers`);
  const result = { name, first: median(runs.map((r) => r.first)), total: median(runs.map((r) => r.total)), p95: percentile(runs.map((r) => r.total), 95), bytes: runs[0].bytes };
  console.log(`${name.padEnd(10)} first byte ${fmt(result.first).padStart(6)} ms   whole page ${fmt(result.total).padStart(6)} ms (p95 ${fmt(result.p95)})   ${result.bytes} bytes`);
  return result;
}

async function untilReport(base, path) {
  for (let i = 0; i < 600; i++) {
    const response = await fetch(`${base}/v1/alt-text/report?page=${encodeURIComponent(path)}`);
    const body = await response.text();
    if (response.status === 200 && JSON.parse(body).images.length === IMAGES) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('the consumer did not finish');
}

/** The alternative design: every <img> handler awaits its own KV read, against one read per page. */
function lookupWorker(dir) {
  writeFileSync(
    join(dir, 'worker.js'),
    `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const perImage = url.searchParams.get('mode') === 'per-image';
    const origin = await fetch(env.ORIGIN + '/page.html');
    const record = perImage ? null : env.KV.get('page', 'json');
    let n = 0;
    return new HTMLRewriter().on('img', {
      async element(img) {
        const alt = perImage ? await env.KV.get('img:' + (n++ % 4)) : (await record)?.[n++ % 4];
        if (alt) img.setAttribute('alt', alt);
      },
    }).transform(origin);
  },
};
`,
  );
  writeFileSync(
    join(dir, 'wrangler.toml'),
    `name = "bench-alt-lookup"\nmain = "worker.js"\ncompatibility_date = "2026-10-01"\n[[kv_namespaces]]\nbinding = "KV"\nid = "00000000000000000000000000000009"\n`,
  );
  return join(dir, 'wrangler.toml');
}

const { server, origin } = await startOrigin();
const dir = mkdtempSync(join(tmpdir(), 'alt-bench-'));
const harness = createTestHarness({
  workers: [
    { configPath: 'functions/alt-text/wrangler.toml', vars: { ORIGIN: origin } },
    { configPath: 'wrangler.toml', vars: { RATE_LIMITS: 'off' } },
    { configPath: 'functions/ocr/wrangler.toml' },
    // The API's MobileCLIP bindings must resolve, as in production (idle here).
    { configPath: 'functions/model-host/wrangler.clip-image.toml' },
    { configPath: 'functions/model-host/wrangler.clip-text.toml' },
    { configPath: lookupWorker(dir), vars: { ORIGIN: origin } },
  ],
});
try {
  const base = (await harness.listen()).url.origin;
  console.log(`alt-text proxy: one page of ${HTML.length} bytes with ${IMAGES} images without alt, ${REQUESTS} sequential requests per scenario (medians)\n`);

  // Warm: the consumer captions the four pictures and writes the page's record.
  await timed(`${base}/page.html`);
  await untilReport(base, '/page.html');

  const results = [
    await scenario('origin', () => `${origin}/page.html`),
    await scenario('passthru', () => `${base}/page.txt`),
    // A new page path each time: no record, so nothing applied and a queue message sent
    // (its consumer finds every image already analysed: KV reads and one write, no model).
    await scenario('miss', (i) => `${base}/page.html?v=${i}`),
    await scenario('hit', () => `${base}/page.html`),
  ];
  const [direct, hop, miss, hit] = results;
  const check = await (await fetch(`${base}/page.html`)).text();
  const applied = (check.match(/data-alt-source="auto"/g) ?? []).length;
  console.log(`\nhit view carried ${applied} generated alts`);
  console.log('\nadded by the proxy (median, vs origin):');
  for (const r of [hop, miss, hit]) console.log(`  ${r.name.padEnd(9)} first byte +${fmt(r.first - direct.first)} ms, whole page +${fmt(r.total - direct.total)} ms`);
  console.log('added by the rewrite alone (vs passthru):');
  for (const r of [miss, hit]) console.log(`  ${r.name.padEnd(9)} first byte +${fmt(r.first - hop.first)} ms, whole page +${fmt(r.total - hop.total)} ms`);

  // The lookup design question.
  const env = await harness.getWorker('bench-alt-lookup').getEnv();
  await env.KV.put('page', JSON.stringify(['a cat', 'a dog', 'a giraffe', 'an eagle']));
  for (let i = 0; i < 4; i++) await env.KV.put(`img:${i}`, `picture ${i}`);
  const lookup = harness.getWorker('bench-alt-lookup');
  const lookupUrl = (mode) => `${base.replace(/\/$/, '')}/?mode=${mode}`;
  // The lookup Worker is not the primary one: address it through its own handle.
  const timedLookup = async (mode) => {
    const start = performance.now();
    const response = await lookup.fetch(lookupUrl(mode));
    await response.text();
    return performance.now() - start;
  };
  const lookupRuns = { 'per-page': [], 'per-image': [] };
  for (let i = 0; i < 5; i++) for (const mode of Object.keys(lookupRuns)) await timedLookup(mode);
  for (let i = 0; i < REQUESTS; i++) for (const mode of Object.keys(lookupRuns)) lookupRuns[mode].push(await timedLookup(mode));
  const perPage = median(lookupRuns['per-page']);
  const perImage = median(lookupRuns['per-image']);
  console.log(`\nKV lookups in the HTMLRewriter (whole page, median): one read per page ${fmt(perPage)} ms, one awaited read per image ${fmt(perImage)} ms`);
  console.log(`  -> ${fmt((perImage - perPage) / IMAGES)} ms per image with local KV; every image holds the stream for one KV round trip (1-10 ms hot in production, more cold)`);
} finally {
  await harness.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
