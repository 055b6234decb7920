// Per route and JPEG size, inside workerd: the first request of a fresh isolate
// (session creation), warm cache misses with the per-stage breakdown from
// Server-Timing, and cache hits, beside the native reference pipeline
// (bench/lib/native.mjs) on the same bytes.
import { uniqueCopy } from './lib/bodies.mjs';
import { health, post } from './lib/http.mjs';
import { nativePipeline } from './lib/native.mjs';
import { fmt, median, percentile } from './lib/stats.mjs';

export const ROUTES = [
  { route: '/v1/classify', model: 'mobilenet-v2' },
  { route: '/v1/embed', model: 'mobilenet-v2-features' },
  { route: '/v1/moderate', model: 'nsfw-mobilenet-v2' },
  { route: '/v1/detect', model: 'yolox-nano' },
  { route: '/v1/faces?tiles=off', model: 'blazeface-front' },
];

const STAGES = ['hash', 'decode', 'preprocess', 'infer'];

export async function benchRoutes(origin, jpegs, { runs }) {
  const oneMp = jpegs.find((j) => j.label === '1 MP');
  const cold = [];
  const rows = [];
  for (const { route, model } of ROUTES) {
    const first = await post(origin, route, uniqueCopy(oneMp.bytes, `cold-${route}-${Date.now()}`));
    cold.push({ route, model, ms: first.ms, load: first.stages.load });
    for (const jpeg of jpegs) {
      const misses = [];
      for (let i = 0; i < runs; i++) misses.push(await post(origin, route, uniqueCopy(jpeg.bytes, `miss-${route}-${jpeg.label}-${i}-${Date.now()}`)));
      const hitBody = uniqueCopy(jpeg.bytes, `hit-${route}-${jpeg.label}-${Date.now()}`);
      await post(origin, route, hitBody);
      const hits = [];
      // The KV write lands after the response (waitUntil): skip answers until it is there.
      for (let i = 0; hits.length < runs && i < runs * 20; i++) {
        const answer = await post(origin, route, hitBody);
        if (answer.cache === 'HIT') hits.push(answer);
        else await new Promise((r) => setTimeout(r, 20));
      }
      const native = await nativePipeline(model, jpeg.bytes, runs);
      rows.push({
        route,
        model,
        size: jpeg.label,
        missP50: median(misses.map((m) => m.ms)),
        missP95: percentile(misses.map((m) => m.ms), 95),
        hitP50: hits.length ? median(hits.map((h) => h.ms)) : NaN,
        // Inside the Worker: reading, hashing and the KV lookup (Server-Timing), without the HTTP hops.
        hitInWorkerP50: hits.length ? median(hits.map((h) => (h.stages.hash ?? 0) + (h.stages.cache ?? 0))) : NaN,
        stages: Object.fromEntries(STAGES.map((s) => [s, median(misses.map((m) => m.stages[s] ?? 0))])),
        native,
      });
    }
  }
  const { isolate } = await health(origin);
  // The floor of any answer over this path (loopback, wrangler dev's proxy, workerd): GET /healthz.
  const floor = [];
  for (let i = 0; i < 3 * runs; i++) {
    const start = performance.now();
    await health(origin);
    floor.push(performance.now() - start);
  }
  return { cold, rows, loaded: isolate.models, httpFloorP50: median(floor) };
}

export function routesTables({ cold, rows, loaded }) {
  const loadMs = (model) => loaded.find((m) => m.model.startsWith(`${model}@`))?.loadMs;
  const coldLines = [
    '| route (model) | first request of a fresh isolate (ms) | session creation, healthz loadMs (ms) | target < 300 ms |',
    '|---|---|---|---|',
    ...cold.map((c) => `| ${c.route} (${c.model}) | ${fmt(c.ms)} | ${fmt(loadMs(c.model))} | ${loadMs(c.model) < 300 ? 'met' : 'not met'} |`),
  ];
  const lines = [
    '| route | JPEG | warm miss p50 / p95 (ms) | native pipeline (ms) | miss p50 / native | hash / decode / preprocess / infer p50 (ms) | native decode+resize / infer (ms) | cache hit p50 (ms) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.route} | ${r.size} | ${fmt(r.missP50)} / ${fmt(r.missP95)} | ${fmt(r.native.total)} | ${(r.missP50 / r.native.total).toFixed(1)}x | ${STAGES.map((s) => fmt(r.stages[s])).join(' / ')} | ${fmt(r.native.decode)} / ${fmt(r.native.infer)} | ${fmt(r.hitP50)} |`,
    );
  }
  return { cold: coldLines.join('\n'), routes: lines.join('\n') };
}
