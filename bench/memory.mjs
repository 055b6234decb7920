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

export async function benchMemory(worker, extraRoutes = []) {
  const photo = readFileSync(new URL('../test/fixtures/photos/dog-bicycle-truck.jpg', import.meta.url));
  const rows = [];
  const snapshot = async (step) => {
    const health = await (await fetch(`${worker.origin}/healthz`)).json();
    const heap = await isolateHeap(worker.inspectorPort).catch(() => undefined);
    const ort = health.isolate.ort_wasm_bytes;
    const js = heap?.usedSize;
    rows.push({ step, ort, js, total: ort + (js ?? 0) });
  };
  await snapshot('started');
  for (const [route, model] of [...ROUTES, ...extraRoutes]) {
    const response = await fetch(`${worker.origin}${route}`, { method: 'POST', body: photo, headers: { 'content-type': 'image/jpeg' } });
    if (!response.ok) throw new Error(`${route}: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
    await snapshot(`+ ${model}`);
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
 * one page through its internal task route, and the session creation of each
 * of its models.
 */
export async function benchOcrMemory(worker) {
  const page = readFileSync(new URL('../test/fixtures/photos/page-english-text.png', import.meta.url));
  const rows = [];
  const snapshot = async (step) => {
    const health = await (await fetch(`${worker.origin}/healthz`)).json();
    const heap = await isolateHeap(worker.inspectorPort).catch(() => undefined);
    const ort = health.isolate.ort_wasm_bytes;
    rows.push({ step, ort, js: heap?.usedSize, total: ort + (heap?.usedSize ?? 0) });
    return health;
  };
  await snapshot('started');
  const start = performance.now();
  const response = await fetch(`${worker.origin}/internal/tasks/ocr`, { method: 'POST', body: page, headers: { 'content-type': 'application/octet-stream', 'x-task-params': '{}' } });
  if (!response.ok) throw new Error(`/internal/tasks/ocr: ${response.status} ${await response.text()}`);
  await response.arrayBuffer();
  const coldMs = performance.now() - start;
  let health = await snapshot('+ ppocr-v4-det, ppocr-cls, ppocr-v4-rec (one English page)');
  // Wasm memory never shrinks: denser pages (more lines, larger detector maps) set the peak.
  for (const [name, step] of [['page-dense.png', '+ a dense page (test/fixtures/ocr/page-dense.png)'], ['page-far.jpg', '+ a photographed page (test/fixtures/ocr/page-far.jpg)']]) {
    const bytes = readFileSync(new URL(`../test/fixtures/ocr/${name}`, import.meta.url));
    const more = await fetch(`${worker.origin}/internal/tasks/ocr`, { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream', 'x-task-params': '{}' } });
    if (!more.ok) throw new Error(`/internal/tasks/ocr (${name}): ${more.status} ${await more.text()}`);
    await more.arrayBuffer();
    health = await snapshot(step);
  }
  return { rows, coldMs, loaded: health.isolate.models };
}
