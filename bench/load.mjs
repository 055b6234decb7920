// Throughput and latency under load: autocannon on loopback, a bounded run at
// each concurrency, for /v1/classify on a 1 MP JPEG as cache misses (every
// request a new content hash) and as cache hits (one body, cached first).
import autocannon from 'autocannon';
import { uniqueCopy } from './lib/bodies.mjs';
import { post } from './lib/http.mjs';
import { fmt, median, percentile } from './lib/stats.mjs';

async function load(origin, path, nextBody, connections, seconds) {
  const latencies = [];
  const statuses = {};
  const instance = autocannon({
    url: `${origin}${path}`,
    connections,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'image/jpeg' },
    requests: [{ setupRequest: (request) => ({ ...request, body: nextBody() }) }],
  });
  instance.on('response', (_client, status, _bytes, ms) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
    latencies.push(ms);
  });
  const result = await instance;
  const ok = statuses[200] ?? 0;
  return {
    connections,
    requests: latencies.length,
    ok,
    errors: result.errors + result.timeouts + (latencies.length - ok),
    rps: ok / seconds,
    p50: median(latencies),
    p95: percentile(latencies, 95),
  };
}

export async function benchLoad(origin, jpeg, { concurrencies, seconds }) {
  let counter = 0;
  const missBody = () => Buffer.from(uniqueCopy(jpeg, `load-miss-${counter++}-${Date.now()}`));
  const hitBytes = uniqueCopy(jpeg, `load-hit-${Date.now()}`);
  const hitBody = Buffer.from(hitBytes);
  // Warm the session and put the hit body in the cache before measuring.
  await post(origin, '/v1/classify', missBody());
  await post(origin, '/v1/classify', hitBytes);
  for (let i = 0; i < 100 && (await post(origin, '/v1/classify', hitBytes)).cache !== 'HIT'; i++) await new Promise((r) => setTimeout(r, 20));
  const rows = [];
  for (const connections of concurrencies) {
    rows.push({ kind: 'miss', ...(await load(origin, '/v1/classify', missBody, connections, seconds)) });
    rows.push({ kind: 'hit', ...(await load(origin, '/v1/classify', () => hitBody, connections, seconds)) });
  }
  return rows;
}

/** `nativeMs`: the native reference pipeline for one image on one thread, so its throughput is 1000 / nativeMs. */
export function loadTable(rows, nativeMs) {
  const nativeRps = 1000 / nativeMs;
  const lines = [
    '| /v1/classify, 1 MP JPEG | connections | requests (non-200) | throughput (req/s) | vs native pipeline on 1 thread | p50 (ms) | p95 (ms) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const vsNative = r.kind === 'miss' ? `${(r.rps / nativeRps).toFixed(2)}x of ${fmt(nativeRps)}` : '';
    lines.push(`| ${r.kind === 'miss' ? 'cache miss' : 'cache hit'} | ${r.connections} | ${r.requests} (${r.errors}) | ${fmt(r.rps)} | ${vsNative} | ${fmt(r.p50)} | ${fmt(r.p95)} |`);
  }
  return lines.join('\n');
}
