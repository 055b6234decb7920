// Isolate memory as the models load one after another: ORT's wasm linear
// memory (from /healthz; it never shrinks) and the JS heap (inspector).
// The Workers limit is 128 MB per isolate for both together.
import { readFileSync } from 'node:fs';
import { isolateHeap } from './lib/inspector.mjs';

const MiB = 1024 * 1024;
const ROUTES = [
  ['/v1/classify', 'mobilenet-v2'],
  ['/v1/embed', 'mobilenet-v2-features'],
  ['/v1/moderate', 'nsfw-mobilenet-v2'],
  ['/v1/detect', 'yolox-nano'],
  ['/v1/faces', 'blazeface-front + blazeface-back'],
];

/** A row of the isolate's memory now (ORT's wasm from /healthz, JS heap from the inspector); returns the health answer. */
async function snapshot(worker, rows, step) {
  const health = await (await fetch(`${worker.origin}/healthz`)).json();
  const heap = await isolateHeap(worker.inspectorPort).catch(() => undefined);
  const ort = health.isolate.ort_wasm_bytes;
  rows.push({ step, ort, js: heap?.usedSize, total: ort + (heap?.usedSize ?? 0) });
  return health;
}

export async function benchMemory(worker, extraRoutes = []) {
  const photo = readFileSync(new URL('../test/fixtures/photos/dog-bicycle-truck.jpg', import.meta.url));
  const rows = [];
  await snapshot(worker, rows, 'started');
  for (const [route, model] of [...ROUTES, ...extraRoutes]) {
    const response = await fetch(`${worker.origin}${route}`, { method: 'POST', body: photo, headers: { 'content-type': 'image/jpeg' } });
    if (!response.ok) throw new Error(`${route}: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
    await snapshot(worker, rows, `+ ${model}`);
  }
  return rows;
}

export function memoryTable(rows) {
  const f = (b) => (b === undefined ? 'n/a' : (b / MiB).toFixed(1));
  const lines = ['| after loading | ORT wasm memory (MiB) | JS heap used (MiB) | together (MiB) | of 128 MB |', '|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.step} | ${f(r.ort)} | ${f(r.js)} | ${f(r.total)} | ${((r.total / (128 * 1e6)) * 100).toFixed(0)}% |`);
  return lines.join('\n');
}

/**
 * The OCR Worker alone (its own isolate, as deployed): memory before and after
 * each page through its internal task route (wasm memory never shrinks, so
 * the densest page sets the peak), and the session creation of its models.
 */
const OCR_PAGES = [
  ['photos/page-english-text.png', '+ ppocr-v4-det, ppocr-cls, ppocr-v4-rec (one English page)'],
  ['ocr/page-dense.png', '+ a dense page (test/fixtures/ocr/page-dense.png)'],
  ['ocr/page-far.jpg', '+ a photographed page (test/fixtures/ocr/page-far.jpg)'],
];

export async function benchOcrMemory(worker) {
  const rows = [];
  let health = await snapshot(worker, rows, 'started');
  let coldMs;
  for (const [fixture, step] of OCR_PAGES) {
    const page = readFileSync(new URL(`../test/fixtures/${fixture}`, import.meta.url));
    const start = performance.now();
    const response = await fetch(`${worker.origin}/internal/tasks/ocr`, { method: 'POST', body: page, headers: { 'content-type': 'application/octet-stream', 'x-task-params': '{}' } });
    if (!response.ok) throw new Error(`/internal/tasks/ocr (${fixture}): ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
    coldMs ??= performance.now() - start;
    health = await snapshot(worker, rows, step);
  }
  return { rows, coldMs, loaded: health.isolate.models };
}
