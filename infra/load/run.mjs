#!/usr/bin/env node
// Bounded load test of the API Worker on loopback: `wrangler dev` (workerd,
// local KV) with AUTH_MODE=keys and a key issued by `npm run keys`, driven by
// autocannon with a seeded mix of requests (cache hits, misses through the
// models, analyze, bad inputs, metadata routes) for a fixed time. It reports
// unexpected answers, p50/p95/p99 per time window and the isolate's JS heap
// and ORT wasm memory per window, and exits non-zero when there were
// unexpected answers, the heap grew, or p95 drifted.
//
//   npm run load                               # 180 s, 6 connections
//   npm run load -- --duration 30 --connections 4 --window 10
//
// Faults during the load: the GPU backend (a loopback stand-in, ./gpu-backend.mjs)
// answers 500 from 1/3 of the run, hangs past the budget from 1/2, and is healthy
// again from 2/3. Captions must stay 200 throughout (the edge caption while it
// fails, `source: "edge"`) and come from the backend again after it recovers.
//
// Only ever talks to 127.0.0.1. Rate limits are off (RATE_LIMITS=off): this
// measures the Worker, not the limiter (whose tests are in shared/http/rate-limit/).
import autocannon from 'autocannon';
import { resolve } from 'node:path';
import { startWorker } from '../../bench/lib/worker.mjs';
import { openHeapProbe } from '../../bench/lib/inspector.mjs';
import { main as keys } from '../keys.mjs';
import { buildMix } from './mix.mjs';
import { startGpuBackend } from './gpu-backend.mjs';

function options(argv) {
  const get = (name, fallback) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : Number(process.env[`LOAD_${name.toUpperCase()}`] ?? fallback);
  };
  return { duration: get('duration', 180), connections: get('connections', 6), window: get('window', 20), seed: get('seed', 20261117) };
}

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] : 0);
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);

async function memory(worker, probe) {
  const heap = await probe?.heap();
  const health = await fetch(`${worker.origin}/healthz`).then((r) => r.json()).catch(() => undefined);
  return { heapUsed: heap?.usedSize, ortWasm: health?.isolate?.ort_wasm_bytes, models: health?.isolate?.models?.length };
}

export async function runLoad({ duration, connections, window, seed }) {
  process.chdir(resolve(new URL('../..', import.meta.url).pathname));
  const backend = await startGpuBackend();
  console.log(`load: starting wrangler dev (AUTH_MODE=keys, RATE_LIMITS=off, GPU backend at ${backend.origin}) ...`);
  const worker = await startWorker({
    vars: {
      AUTH_MODE: 'keys',
      RATE_LIMITS: 'off',
      BACKEND: 'hf',
      HF_TOKEN: 'hf_load_test_token',
      HF_CAPTION_URL: `${backend.origin}/caption`,
      HF_CAPTION_MODEL: 'load-test/captioner',
      BACKEND_BUDGET_MS: '1500',
      BACKEND_BREAKER_FAILURES: '5',
      BACKEND_BREAKER_COOLDOWN_MS: '5000',
    },
  });
  const report = { duration, connections, window, seed, windows: [], unexpected: {}, answers: {}, captions: {} };
  const faults = [];
  let probe;
  try {
    // startWorker keeps local state (KV) in .wrangler/bench-state-<port>: issue a key there with the
    // real CLI while the Worker runs (key records are read per request, so no restart is needed).
    const lines = [];
    keys(['create', '--name', 'load test', '--quota', 'high', '--scopes', 'all', '--local', '--persist-to', resolve(`.wrangler/bench-state-${worker.port}`)], {
      wrangler: resolve('node_modules/.bin/wrangler'),
      out: (line) => lines.push(line),
    });
    const token = lines.at(-1);
    probe = await openHeapProbe(worker.inspectorPort).catch((error) => {
      console.log(`load: no heap figures (${error.message})`);
      return undefined;
    });
    // Auth is on: without the key, 401; with it, the mix is served.
    const anonymous = await fetch(`${worker.origin}/v1/models`);
    await anonymous.arrayBuffer();
    if (anonymous.status !== 401) throw new Error(`expected 401 without a key, got ${anonymous.status}`);
    const mix = buildMix({ token, seed });
    // Warm-up: every model and codec loaded once, so windows compare like with like.
    for (const request of mix.warmup) {
      const response = await fetch(`${worker.origin}${request.path}`, { method: request.method, headers: request.headers, body: request.body });
      await response.arrayBuffer();
      if (response.status !== request.expect) throw new Error(`warm-up ${request.kind}: ${response.status}`);
    }
    report.baseline = await memory(worker, probe);
    console.log(`load: warm; live heap ${mb(report.baseline.heapUsed ?? 0)} MB, ORT wasm ${mb(report.baseline.ortWasm ?? 0)} MB; ${duration} s at ${connections} connections`);

    let current = { start: Date.now(), latencies: [], errors: 0 };
    const started = Date.now();
    const closeWindow = async () => {
      const done = current;
      current = { start: Date.now(), latencies: [], errors: 0 };
      const sorted = done.latencies.sort((a, b) => a - b);
      const mem = await memory(worker, probe);
      const row = {
        t: Math.round((done.start - started) / 1000),
        seconds: +((Date.now() - done.start) / 1000).toFixed(1),
        requests: sorted.length,
        rps: +(sorted.length / ((Date.now() - done.start) / 1000)).toFixed(1),
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        p99: percentile(sorted, 99),
        unexpected: done.errors,
        heapMB: mem.heapUsed === undefined ? null : +(mem.heapUsed / 1024 / 1024).toFixed(2),
        ortWasmMB: mem.ortWasm === undefined ? null : +mb(mem.ortWasm),
      };
      report.windows.push(row);
      console.log(
        `  t=${String(row.t).padStart(4)}s  ${String(row.requests).padStart(5)} req  ${String(row.rps).padStart(6)} rps  p50 ${row.p50} ms  p95 ${row.p95} ms  p99 ${row.p99} ms  unexpected ${row.unexpected}  heap ${row.heapMB} MB  ORT ${row.ortWasmMB} MB`,
      );
    };
    const timer = setInterval(() => void closeWindow(), window * 1000);
    const phase = (at, mode) =>
      faults.push(
        setTimeout(() => {
          backend.set(mode);
          console.log(`  t=${String(Math.round((Date.now() - started) / 1000)).padStart(4)}s  GPU backend ${mode}`);
        }, at * 1000),
      );
    phase(duration / 3, 'failing');
    phase(duration / 2, 'slow');
    phase((2 * duration) / 3, 'healthy');
    // Which phase a caption answer belongs to: faulty from the first fault until the backend is healthy again.
    let recovered = false;
    faults.push(setTimeout(() => (recovered = true), ((2 * duration) / 3) * 1000));

    const instance = autocannon({
      url: worker.origin,
      connections,
      duration,
      timeout: 30,
      requests: [
        {
          setupRequest: (request, context) => mix.next(request, context),
          onResponse: (status, body, context) => {
            const kind = context.kind;
            if (kind === 'caption (miss)' && status === 200) {
              const stage = recovered ? 'after' : backend.mode === 'healthy' ? 'before' : 'during';
              const source = String(JSON.parse(body).source).startsWith('hf:') ? 'backend' : 'edge';
              report.captions[`${stage} the fault: ${source}`] = (report.captions[`${stage} the fault: ${source}`] ?? 0) + 1;
            }
            report.answers[`${kind} ${status}`] = (report.answers[`${kind} ${status}`] ?? 0) + 1;
            if (status !== context.expect) {
              current.errors++;
              report.unexpected[`${kind} ${status}`] = (report.unexpected[`${kind} ${status}`] ?? 0) + 1;
            }
          },
        },
      ],
    });
    instance.on('response', (_client, _status, _bytes, responseTime) => current.latencies.push(Math.round(responseTime)));
    const result = await instance;
    clearInterval(timer);
    faults.forEach(clearTimeout);
    if (current.latencies.length > 0) await closeWindow();

    report.totals = {
      requests: result.requests.total,
      rps: result.requests.average,
      p50: result.latency.p50,
      p97_5: result.latency.p97_5,
      p99: result.latency.p99,
      max: result.latency.max,
      socketErrors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
    };
    report.final = await memory(worker, probe);
  } finally {
    faults.forEach(clearTimeout);
    await backend.close();
    probe?.close();
    // Stops wrangler and removes its local state (the key included).
    await worker.stop();
  }

  // Verdicts: nothing unexpected, live heap flat (after a GC, first full window vs last), p95 stable
  // (last two full windows vs the first two). A trailing partial window is left out.
  report.windows.sort((a, b) => a.t - b.t);
  const full = report.windows.filter((w) => w.requests > 0 && w.seconds >= window / 2);
  const firstP95 = Math.max(...full.slice(0, 2).map((w) => w.p95));
  const lastP95 = Math.max(...full.slice(-2).map((w) => w.p95));
  const heaps = full.map((w) => w.heapMB).filter((h) => h !== null);
  const heapGrowth = heaps.length ? heaps.at(-1) - heaps[0] : 0;
  report.verdict = {
    unexpected: Object.values(report.unexpected).reduce((a, b) => a + b, 0) + report.totals.socketErrors + report.totals.timeouts,
    heapGrowthMB: +heapGrowth.toFixed(2),
    p95FirstMs: firstP95,
    p95LastMs: lastP95,
  };
  // The fault is declared to degrade to the edge caption, and service to recover.
  report.verdict.fallbackDuringFault = report.captions['during the fault: edge'] ?? 0;
  report.verdict.backendAfterFault = report.captions['after the fault: backend'] ?? 0;
  report.backendCalls = backend.calls;
  const ok =
    report.verdict.unexpected === 0 &&
    heapGrowth < 8 &&
    lastP95 <= Math.max(2 * firstP95, firstP95 + 100) &&
    report.verdict.fallbackDuringFault > 0 &&
    report.verdict.backendAfterFault > 0;
  console.log(`load: ${report.totals.requests} requests, ${report.totals.rps} rps; p50 ${report.totals.p50} ms, p97.5 ${report.totals.p97_5} ms, p99 ${report.totals.p99} ms, max ${report.totals.max} ms`);
  console.log(`load: answers ${JSON.stringify(report.answers)}`);
  console.log(`load: unexpected ${JSON.stringify(report.unexpected)}; socket errors ${report.totals.socketErrors}; timeouts ${report.totals.timeouts}`);
  console.log(`load: live heap (after GC) first window ${heaps[0]} MB, last ${heaps.at(-1)} MB (growth ${report.verdict.heapGrowthMB} MB); p95 first ${firstP95} ms, last ${lastP95} ms; final heap ${mb(report.final?.heapUsed ?? 0)} MB, ORT wasm ${mb(report.final?.ortWasm ?? 0)} MB`);
  console.log(`load: captions ${JSON.stringify(report.captions)}; GPU backend calls by its mode ${JSON.stringify(backend.calls)}`);
  console.log(ok ? 'load: PASS' : 'load: FAIL');
  return { ok, report };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { ok } = await runLoad(options(process.argv.slice(2)));
  process.exit(ok ? 0 : 1);
}
