// Per-route latency inside workerd (cold, warm cache miss, cache hit) with
// the per-stage breakdown from Server-Timing, beside the same model run by
// native onnxruntime-node on this machine.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { uniqueCopy } from './lib/bodies.mjs';
import { fmt, median, percentile, serverTiming } from './lib/stats.mjs';

const ROUTES = [
  { route: '/v1/classify', model: 'mobilenet-v2' },
  { route: '/v1/embed', model: 'mobilenet-v2-features' },
  { route: '/v1/moderate', model: 'nsfw-mobilenet-v2' },
  { route: '/v1/detect', model: 'yolox-nano' },
  { route: '/v1/faces?tiles=off', model: 'blazeface-front' },
];


async function post(origin, route, body) {
  const start = performance.now();
  const response = await fetch(`${origin}${route}`, { method: 'POST', body, headers: { 'content-type': 'image/jpeg' } });
  const text = await response.text();
  const ms = performance.now() - start;
  if (!response.ok) throw new Error(`${route}: ${response.status} ${text.slice(0, 200)}`);
  return { ms, stages: serverTiming(response.headers.get('server-timing')), cache: response.headers.get('x-cache') };
}

/** Native reference: same ONNX file, onnxruntime-node (multi-threaded native kernels), same input size. */
async function nativeInfer(model, runs) {
  const manifest = JSON.parse(readFileSync(new URL(`../models/${model}/manifest.json`, import.meta.url), 'utf8'));
  const session = await ort.InferenceSession.create(new URL(`../models/${model}/model.onnx`, import.meta.url).pathname, { intraOpNumThreads: 1 });
  const { width, height, dtype, layout } = manifest.input;
  const size = width * height * 3;
  const data = dtype === 'uint8' ? new Uint8Array(size).fill(128) : new Float32Array(size).fill(0.5);
  const dims = layout === 'NCHW' ? [1, 3, height, width] : [1, height, width, 3];
  const feeds = { [manifest.input.name]: new ort.Tensor(dtype, data, dims) };
  await session.run(feeds);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await session.run(feeds);
    times.push(performance.now() - start);
  }
  return median(times);
}

async function nativeDecodeResize(bytes, size, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await sharp(bytes).resize(size, size, { fit: 'cover' }).raw().toBuffer();
    times.push(performance.now() - start);
  }
  return median(times);
}

export async function benchRoutes(origin, jpeg1mp, runs = 9) {
  const rows = [];
  for (const { route, model } of ROUTES) {
    const cold = await post(origin, route, uniqueCopy(jpeg1mp, `cold-${route}`));
    const misses = [];
    for (let i = 0; i < runs; i++) misses.push(await post(origin, route, uniqueCopy(jpeg1mp, `miss-${route}-${i}-${Date.now()}`)));
    const hitBody = uniqueCopy(jpeg1mp, `hit-${route}`);
    await post(origin, route, hitBody);
    await new Promise((r) => setTimeout(r, 300));
    const hits = [];
    for (let i = 0; i < runs; i++) hits.push(await post(origin, route, hitBody));
    const stage = (name) => median(misses.map((m) => m.stages[name] ?? 0));
    const nativeModel = await nativeInfer(model, runs);
    rows.push({
      route,
      model,
      coldMs: cold.ms,
      loadMs: cold.stages.load,
      missP50: median(misses.map((m) => m.ms)),
      missP95: percentile(misses.map((m) => m.ms), 95),
      hitP50: median(hits.map((h) => h.ms)),
      hitsWereHits: hits.every((h) => h.cache === 'HIT'),
      decode: stage('decode'),
      preprocess: stage('preprocess'),
      infer: stage('infer'),
      nativeInfer: nativeModel,
    });
  }
  return { rows, nativeDecode224: await nativeDecodeResize(jpeg1mp, 224, runs) };
}

export function routesTable({ rows, nativeDecode224 }) {
  const lines = [
    '| route (model) | cold first request (ms) [session load] | warm miss p50 / p95 (ms) | decode / preprocess / infer p50 (ms) | native ORT infer (ms) | infer ratio | cache hit p50 (ms) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.route} (${r.model}) | ${fmt(r.coldMs)} [${fmt(r.loadMs)}] | ${fmt(r.missP50)} / ${fmt(r.missP95)} | ${fmt(r.decode)} / ${fmt(r.preprocess)} / ${fmt(r.infer)} | ${fmt(r.nativeInfer)} | ${(r.infer / r.nativeInfer).toFixed(1)}x | ${fmt(r.hitP50)}${r.hitsWereHits ? '' : ' (not all hits!)'} |`,
    );
  }
  lines.push('', `Native reference for decode + resize of the same 1 MP JPEG to 224 px (sharp/libvips): ${fmt(nativeDecode224)} ms.`);
  return lines.join('\n');
}
