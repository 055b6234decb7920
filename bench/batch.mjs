// POST /v1/batch with N images against N single requests (one after another,
// and all at once), every image a cache miss; and what one session run of N
// images would give if the shipped graphs took a dynamic batch (they are fixed
// at 1): the same ONNX file with only its batch dimension made symbolic, in
// ORT-web on Node.
import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import { uniqueCopy } from './lib/bodies.mjs';
import { post } from './lib/http.mjs';
import { manifestOf, modelPath } from './lib/native.mjs';
import { fmt, median } from './lib/stats.mjs';
import { timeOrtWeb } from './lib/wasm-throughput.mjs';

const { onnx } = onnxProto;
const TASKS = [
  { task: 'classify', route: '/v1/classify', model: 'mobilenet-v2' },
  { task: 'embed', route: '/v1/embed', model: 'mobilenet-v2-features' },
  { task: 'moderate', route: '/v1/moderate', model: 'nsfw-mobilenet-v2' },
];

function multipart(task, images) {
  const form = new FormData();
  form.append('task', task);
  for (const [i, bytes] of images.entries()) form.append('image', new Blob([bytes], { type: 'image/jpeg' }), `${i}.jpg`);
  return form;
}

export async function benchBatch(origin, jpeg, { size, runs }) {
  const rows = [];
  for (const { task, route, model } of TASKS) {
    const fresh = (tag) => Array.from({ length: size }, (_, i) => uniqueCopy(jpeg, `batch-${tag}-${task}-${i}-${Date.now()}-${Math.random()}`));
    await post(origin, route, fresh('warm')[0]); // session created outside the timings
    const batch = [];
    const sequential = [];
    const concurrent = [];
    let answer;
    for (let r = 0; r < runs; r++) {
      const start = performance.now();
      const response = await fetch(`${origin}/v1/batch`, { method: 'POST', body: multipart(task, fresh('batch')) });
      answer = await response.json();
      if (!response.ok) throw new Error(`/v1/batch: ${response.status} ${JSON.stringify(answer).slice(0, 300)}`);
      batch.push(performance.now() - start);
      const t1 = performance.now();
      for (const bytes of fresh('seq')) await post(origin, route, bytes);
      sequential.push(performance.now() - t1);
      const t2 = performance.now();
      await Promise.all(fresh('par').map((bytes) => post(origin, route, bytes)));
      concurrent.push(performance.now() - t2);
    }
    rows.push({ task, model, batch: median(batch), sequential: median(sequential), concurrent: median(concurrent), how: answer.batch.sequential_reason ?? `${answer.batch.session_runs_batched} batched session run(s)` });
  }
  return rows;
}

/** Per-image inference time at batch 1 and batch `size`, with the graph's batch dimension made symbolic. */
export async function benchDynamicBatch({ size, runs }) {
  const rows = [];
  for (const { model } of TASKS) {
    const proto = onnx.ModelProto.decode(readFileSync(modelPath(model)));
    for (const v of [...proto.graph.input, ...proto.graph.output]) v.type.tensorType.shape.dim[0] = { dimParam: 'N' };
    const bytes = onnx.ModelProto.encode(proto).finish();
    const { name, dtype, width, height, layout } = manifestOf(model).input;
    const feeds = (n) => ({ [name]: { type: dtype, dims: layout === 'NCHW' ? [n, 3, height, width] : [n, height, width, 3] } });
    const one = await timeOrtWeb(bytes, feeds(1), runs);
    const many = await timeOrtWeb(bytes, feeds(size), runs);
    rows.push({ model, one, perImage: many / size });
  }
  return rows;
}

export function batchTables(rows, dynamic, size) {
  const lines = [
    `| task (model) | POST /v1/batch, ${size} images (ms) | ${size} single requests one after another (ms) | ${size} single requests at once (ms) | batch / sequential | how the batch ran |`,
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.task} (${r.model}) | ${fmt(r.batch)} | ${fmt(r.sequential)} | ${fmt(r.concurrent)} | ${(r.batch / r.sequential).toFixed(2)}x | ${r.how} |`),
  ];
  const what = [
    `| model, batch dimension made symbolic (ORT-web on Node) | batch 1 (ms) | batch ${size}, per image (ms) | per-image speed-up |`,
    '|---|---|---|---|',
    ...dynamic.map((d) => `| ${d.model} | ${fmt(d.one)} | ${fmt(d.perImage)} | ${(d.one / d.perImage).toFixed(2)}x |`),
  ];
  return { batch: lines.join('\n'), dynamic: what.join('\n') };
}
