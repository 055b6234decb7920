// node bench/search.mjs [sizes...]  (default: 1000 10000 100000)
//
// Query latency of the embedded search engine (D1 + exact cosine scan in the
// Worker) as a collection grows: the real Worker under `wrangler dev`
// (workerd, local D1 in SQLite), random unit vectors of dimension 1280
// inserted through POST /v1/collections/{name}/items:batch, then searches by
// embedding timed from this process. Reports p50/p95 of the whole request
// and of the `search` stage (Server-Timing), with and without a metadata
// filter that keeps 10% of the items.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fmt, percentile, serverTiming } from './lib/stats.mjs';
import { startWorker } from './lib/worker.mjs';

const DIM = 1280;
const BATCH = 500;
const SIZES = process.argv.slice(2).map(Number).filter((n) => n > 0);
if (SIZES.length === 0) SIZES.push(1_000, 10_000, 100_000);
/** Fewer timed queries for big collections: each is a full scan. */
const queriesFor = (size) => (size <= 10_000 ? 30 : 10);
/** The p50 above which the README tells users to move to Vectorize. */
const SWITCH_P50_MS = 50;

// Deterministic vectors (mulberry32), so runs compare.
let seed = 42;
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function unitVector() {
  const v = Array.from({ length: DIM }, () => random() * 2 - 1);
  const norm = Math.hypot(...v);
  // 6 decimals: ~9 bytes a component on the wire; the Worker normalises again.
  return v.map((x) => Number((x / norm).toFixed(6)));
}

async function request(origin, path, init) {
  const response = await fetch(`${origin}${path}`, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return { body: JSON.parse(text), timing: serverTiming(response.headers.get('server-timing')) };
}

const worker = await startWorker({ timeoutMs: 120_000 });
const state = `.wrangler/bench-state-${worker.port}`;
try {
  // The schema, applied to the local D1 the Worker is using.
  execFileSync('npx', ['wrangler', 'd1', 'migrations', 'apply', 'SEARCH_DB', '--local', '--persist-to', state], {
    stdio: 'ignore',
    env: { ...process.env, CI: '1', WRANGLER_SEND_METRICS: 'false' },
  });
  const origin = worker.origin;
  const name = `bench-${Date.now()}`;
  // One image fixes the collection's model and dimension.
  const photo = readFileSync('test/fixtures/photos/cat-chelsea.jpg');
  await request(origin, `/v1/collections/${name}/items/photo`, { method: 'PUT', body: photo, headers: { 'content-type': 'image/jpeg' } });

  console.log(`Worker up at ${origin}; collection ${name}, ${DIM}-d vectors, exact scan in D1`);
  console.log('\n| items | insert (s) | p50 ms | p95 ms | search stage p50 ms | p50 ms, filter keeping 10% |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  let count = 1;
  const rows = [];
  for (const size of SIZES) {
    const insertStart = performance.now();
    while (count < size) {
      const n = Math.min(BATCH, size - count);
      const items = Array.from({ length: n }, (_, i) => ({ id: `v${count + i}`, embedding: unitVector(), metadata: { bucket: (count + i) % 10 } }));
      await request(origin, `/v1/collections/${name}/items:batch`, { method: 'POST', body: JSON.stringify(items), headers: { 'content-type': 'application/json' } });
      count += n;
    }
    const insertSeconds = (performance.now() - insertStart) / 1000;

    const total = [];
    const stage = [];
    const filtered = [];
    const search = (body) =>
      request(origin, `/v1/collections/${name}/search`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    await search({ embedding: unitVector(), top_k: 10 }); // warm-up
    for (let q = 0; q < queriesFor(size); q++) {
      const start = performance.now();
      const { timing } = await search({ embedding: unitVector(), top_k: 10 });
      total.push(performance.now() - start);
      stage.push(timing.search);
      const startFiltered = performance.now();
      await search({ embedding: unitVector(), top_k: 10, filter: { bucket: 3 } });
      filtered.push(performance.now() - startFiltered);
    }
    const row = { size, p50: percentile(total, 50), p95: percentile(total, 95), stage: percentile(stage, 50), filtered: percentile(filtered, 50) };
    rows.push(row);
    console.log(`| ${size.toLocaleString('en')} | ${insertSeconds.toFixed(1)} | ${fmt(row.p50)} | ${fmt(row.p95)} | ${fmt(row.stage)} | ${fmt(row.filtered)} |`);
  }

  // The scan is linear in the items it reads: interpolate where p50 crosses the line.
  const over = rows.findIndex((r) => r.p50 > SWITCH_P50_MS);
  if (over > 0) {
    const [a, b] = [rows[over - 1], rows[over]];
    const at = a.size + ((SWITCH_P50_MS - a.p50) / (b.p50 - a.p50)) * (b.size - a.size);
    console.log(`\np50 passes ${SWITCH_P50_MS} ms at ~${Math.round(at).toLocaleString('en')} items (linear between ${a.size} and ${b.size})`);
  } else if (over === 0) {
    console.log(`\np50 is over ${SWITCH_P50_MS} ms already at ${rows[0].size} items`);
  }
  const largest = rows[rows.length - 1];
  console.log(`search stage ~${((largest.stage / largest.size) * 1000).toFixed(1)} µs an item at ${largest.size.toLocaleString('en')}; a filter scans only the items it keeps`);
} finally {
  worker.stop();
  // Hundreds of MB of SQLite at 100k vectors: do not leave it behind.
  setTimeout(() => rmSync(state, { recursive: true, force: true }), 1000);
}
