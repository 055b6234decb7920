// npm run bench: runs the product's Workers in workerd (wrangler dev, local KV)
// and drives them from this process over loopback, beside native references
// measured in the same run on the same inputs. Medians of repeated runs: the
// machine is noisy. Writes BENCHMARKS.md and bench/latency-vs-concurrency.png.
//
// BENCH_QUICK=1 (or --quick): a few runs of everything, for developing the
// bench; it writes bench/out/BENCHMARKS.quick.md and its plot there instead.
import { cpus, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchAnalyze } from './analyze.mjs';
import { batchTables, benchBatch, benchDynamicBatch } from './batch.mjs';
import { benchBundles, bundleTable } from './bundle.mjs';
import { benchClipHosts, clipHostsTable } from './clip-hosts.mjs';
import { benchDecode, decodeTable, makeJpegs } from './decode.mjs';
import { benchFloors, floorTables } from './floor.mjs';
import { benchLoad, loadTable } from './load.mjs';
import { benchMemory, benchOcrMemory, memoryTable } from './memory.mjs';
import { peerStatus, peerText } from './peer.mjs';
import { benchRoutes, routesTables } from './routes.mjs';
import { benchStandins, standinsTable } from './standins.mjs';
import { targetsTable } from './targets.mjs';
import { writeLatencyPlot } from './lib/plot.mjs';
import { fmt } from './lib/stats.mjs';
import { startWorker } from './lib/worker.mjs';

const QUICK = process.env.BENCH_QUICK === '1' || process.argv.includes('--quick');
const P = QUICK
  ? { runs: 2, throughputRuns: 2, loadSeconds: 2, concurrencies: [1, 4], batchSize: 4, batchRuns: 1, analyzeRuns: 1 }
  : { runs: 9, throughputRuns: 7, loadSeconds: 8, concurrencies: [1, 2, 4, 8], batchSize: 8, batchRuns: 3, analyzeRuns: 5 };
const outDir = new URL(QUICK ? './out/' : '../', import.meta.url);
const plotFile = new URL(QUICK ? './out/latency-vs-concurrency.png' : './latency-vs-concurrency.png', import.meta.url);
mkdirSync(new URL('./out/', import.meta.url), { recursive: true });

const log = (message) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

/** A fresh pair of isolates for each part, so "cold" really is the first request of an isolate. */
async function withWorker(options, run) {
  const worker = await startWorker(options);
  try {
    return await run(worker);
  } finally {
    await worker.stop();
  }
}

const started = Date.now();
const jpegs = await makeJpegs();
const oneMp = jpegs.find((j) => j.label === '1 MP');
log('compute floors: FLOPs from the graphs, WASM SIMD throughput, ORT-web on Node');
const floors = await benchFloors({ runs: P.throughputRuns });
log('dynamic-batch what-if (ORT-web on Node)');
const dynamic = await benchDynamicBatch({ size: P.batchSize, runs: P.throughputRuns });
log('routes x sizes, cold / miss / hit');
const routes = await withWorker({}, (w) => benchRoutes(w.origin, jpegs, { runs: P.runs }));
log('decode and resize (/v1/inspect)');
const decode = await withWorker({}, (w) => benchDecode(w.origin, jpegs, P.runs));
log('/v1/analyze cold and warm');
const analyze = await withWorker({}, (w) => benchAnalyze(w.origin, oneMp.bytes, P.analyzeRuns));
log('load (autocannon) and batch');
const { load, batch } = await withWorker({}, async (w) => ({
  load: await benchLoad(w.origin, oneMp.bytes, { concurrencies: P.concurrencies, seconds: P.loadSeconds }),
  batch: await benchBatch(w.origin, oneMp.bytes, { size: P.batchSize, runs: P.batchRuns }),
}));
log('isolate memory: API Worker, then the OCR Worker alone');
// Each Worker alone: with several, wrangler's inspector proxy exposes only one isolate.
const memory = await withWorker({ configs: ['wrangler.toml'] }, (w) => benchMemory(w));
const ocr = await withWorker({ configs: ['functions/ocr/wrangler.toml'] }, (w) => benchOcrMemory(w));
log('MobileCLIP-S0 random-weight size-alike stand-ins: wasm memory and speed in ORT-web on Node');
const standins = await benchStandins({ runs: P.throughputRuns, repeats: QUICK ? 1 : 3 });
log('the same stand-ins installed as mobileclip-s0, in the model host Workers in workerd (a throwaway copy of the repository)');
const clipHosts = await benchClipHosts({ runs: P.runs });
log('bundle sizes (wrangler deploy --dry-run)');
const bundles = benchBundles();
const peer = await peerStatus();

const at1mp = (model) => routes.rows.find((r) => r.model === model && r.size === '1 MP');
const workerdInfer = Object.fromEntries(floors.models.map((m) => [m.model, at1mp(m.model)?.stages.infer ?? NaN]));
const nativeInfer = Object.fromEntries(floors.models.map((m) => [m.model, at1mp(m.model)?.native.infer ?? NaN]));
const tables = routesTables(routes);
const floorText = floorTables(floors, workerdInfer, nativeInfer);
const classify1mp = at1mp('mobilenet-v2');
const classify12mp = routes.rows.find((r) => r.model === 'mobilenet-v2' && r.size === '12 MP');
const decode12 = decode.find((d) => d.label === '12 MP');
const sessions = [...routes.loaded, ...ocr.loaded].map((m) => ({ model: m.model, loadMs: m.loadMs }));
await writeLatencyPlot(load, fileURLToPath(plotFile), '/v1/classify, 1 MP JPEG: latency vs concurrency (workerd, 2 CPUs)');

const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const sections = [
  ['Targets (issue #9)', targetsTable({
    floors: floors.models.map((m) => ({ model: m.model, floorMs: m.floorMs, workerd: workerdInfer[m.model] })),
    sessions,
    hits: routes.rows.filter((r) => r.size === '1 MP').map((r) => ({ route: r.route, size: r.size, p50: r.hitP50, inWorker: r.hitInWorkerP50 })),
    httpFloor: routes.httpFloorP50,
    classify1mp: { missP50: classify1mp.missP50, native: classify1mp.native.total },
    decode12mp: { decode: classify12mp.stages.decode, preprocess: classify12mp.stages.preprocess, native: decode12.native },
  })],
  ['Cold start: the first request of each route in a fresh isolate (1 MP JPEG)', `${tables.cold}\n\nNative onnxruntime-node creates these sessions in a few ms to tens of ms; ORT-web in workerd also instantiates its 14 MB wasm module for the first model of an isolate.`],
  ['Routes per JPEG size: warm cache miss, stages, cache hit, beside the native pipeline', `${tables.routes}\n\nNative pipeline: sharp (libjpeg-turbo with shrink-on-load, libvips resize) to the model's input, then the same ONNX file in onnxruntime-node on one thread (the Worker has one). workerd figures are end to end over loopback HTTP; stages come from Server-Timing.`],
  ['Compute floor of each model', `${floorText.kernels}\n\nThroughput measured with onnxruntime-web's own wasm build (the ort-wasm-simd-threaded.wasm the Worker imports, one thread) on Node's V8; workerd runs the same wasm on V8.\n\n${floorText.floors}`],
  ['Throughput and latency under load (autocannon, loopback)', `${loadTable(load, classify1mp.native.total)}\n\n![latency vs concurrency](bench/latency-vs-concurrency.png)\n\nOne workerd process serves every connection; JavaScript in an isolate runs one request at a time, so throughput stays flat past one connection and latency grows with the queue.`],
  ['Batching: POST /v1/batch against single requests (1 MP JPEGs, every image a cache miss)', `${batchTables(batch, dynamic, P.batchSize).batch}\n\nThe shipped classify, embed and moderate graphs fix their batch dimension at 1, so /v1/batch runs their misses one at a time (it saves the per-request overhead only). With the batch dimension made symbolic (nothing else changed), one session run of ${P.batchSize} images would take per image:\n\n${batchTables(batch, dynamic, P.batchSize).dynamic}`],
  ['/v1/analyze, default features (tags, objects, faces, text via the OCR Worker, moderation, embedding) on a 1 MP JPEG, per-feature ms from Server-Timing', analyze],
  ['Isolate memory as each model loads (the API Worker alone, one isolate, every local route)', memoryTable(memory)],
  [`Isolate memory of the OCR Worker alone (first page: ${fmt(ocr.coldMs)} ms)`, memoryTable(ocr.rows)],
  ['Random-weight size-alike stand-ins for MobileCLIP-S0 (NOT MobileCLIP): wasm memory and speed of each tower alone, ORT-web on Node', standinsTable(standins)],
  ['Random-weight stand-ins installed as mobileclip-s0 (NOT MobileCLIP): each model host alone in workerd (memory against 128 MiB), then the API calling them', clipHostsTable(clipHosts)],
  ['Decode and resize inside workerd (Server-Timing of /v1/inspect, which needs a 64 px thumbnail)', decodeTable(decode)],
  ['Bundle size', bundleTable(bundles)],
  ['Peer library', peerText(peer)],
];
const body = sections.map(([title, text]) => `## ${title}\n\n${text}\n`).join('\n');
const header = `# Benchmarks\n\nRun with \`npm run bench\` (${((Date.now() - started) / 60000).toFixed(1)} minutes for this run, no network; \`BENCH_QUICK=1 npm run bench\` for a rough pass into bench/out/). The product's Workers (the API, and the OCR Worker and MobileCLIP's model hosts behind its service bindings) run in workerd under \`wrangler dev\` with local KV; requests come from this process over loopback, one at a time except under load. Native references run in the same process on the same inputs. Machine: ${machine}. Figures are medians of ${P.runs} runs unless said; the machine is shared and noisy, so compare ratios, not absolutes.${QUICK ? ' **QUICK RUN: too few runs to quote.**' : ''} Written ${new Date().toISOString()}.\n\n`;
const file = new URL(QUICK ? 'BENCHMARKS.quick.md' : 'BENCHMARKS.md', outDir);
writeFileSync(file, header + body);
console.log(header + body);
log(`wrote ${file.pathname} and ${plotFile.pathname}`);
