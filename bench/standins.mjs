// Wasm memory and speed of random-weight, size-alike STAND-INS for MobileCLIP-S0's two towers
// (models/tools/clip-standins.ts), NOT MobileCLIP: the real files cannot be downloaded here.
// The stand-ins copy the published files' size, weight dtypes (fp16 image tower, uint8 "q8"
// text tower), I/O and layer structure, so what onnxruntime-web does with such files at load
// (copies, fp16 -> fp32 casts, prepacking) and the activations of these shapes are measured;
// what trained weights change (nothing in memory, little in time) is not.
//
// Each graph is generated into a temp dir and measured by models/tools/measure.ts in a child
// process of its own (wasm memory never shrinks), under onnxruntime-web's wasm (the binary the
// Worker imports), one thread, in Node. Beside each: models/tools/pull/estimate.ts's estimate
// (RUNTIME_BYTES + estimateEncoderBytes) for the same file alone in an isolate.
//
//   node bench/standins.mjs [--runs N] [--repeats N] [--no-external-data]
// (TypeScript children need Node >= 22.6: with an older `node`, the repository's
// node_modules/.bin/node runs them.)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, median } from './lib/stats.mjs';
import { tsNode } from './lib/ts-node.mjs';

const GENERATOR = fileURLToPath(new URL('../models/tools/clip-standins.ts', import.meta.url));
const MEASURE = fileURLToPath(new URL('../models/tools/measure.ts', import.meta.url));
const MiB = 2 ** 20;
/** models/tools/pull/estimate.ts ISOLATE_LIMIT_BYTES (128 MiB, the Workers isolate: JS heap and wasm together). */
const ISOLATE_LIMIT_BYTES = 128 * MiB;


function runTs(script, args) {
  const out = execFileSync(tsNode(), ['--experimental-strip-types', '--no-warnings', script, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 16 * MiB,
  });
  return JSON.parse(out.trim().split('\n').pop());
}

/** The last meaningful line of a failed child's stderr: ORT's own error message. */
function childError(error) {
  const lines = String(error.stderr ?? error.message).split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /error/i.test(l) && !l.startsWith('at ')) ?? lines.at(-1) ?? String(error);
}

/**
 * Rows: one per graph x layout x batch (image at batch 1; text at 1 and 8). Numbers are
 * medians over `repeats` fresh processes; inferMs inside each is itself the median of `runs`.
 */
export async function benchStandins({ runs = 10, repeats = 3, externalData = true } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'clip-standins-'));
  try {
    const generated = runTs(GENERATOR, [dir, ...(externalData ? ['--external-data'] : [])]);
    const rows = [];
    let runtime;
    // A published single file is measured as ORT would take it, and split as the Worker's model
    // store hands it over (shared/models/external-weights.ts: weights as external-data views).
    const layouts = (file) =>
      file.dataPath
        ? [{ layout: file.layout, extra: ['--external-data', file.dataPath] }]
        : [
            { layout: file.layout, extra: [] },
            { layout: 'single file, split at load (the Worker)', extra: ['--split-weights'] },
          ];
    for (const file of generated.files) {
      for (const { layout, extra } of layouts(file))
      for (const batch of file.role === 'text' ? [1, 8] : [1]) {
        const samples = [];
        let error;
        for (let r = 0; r < repeats && !error; r++) {
          const args = [file.path, String(runs), '--batch', String(batch), ...extra];
          try {
            samples.push(runTs(MEASURE, args));
          } catch (e) {
            error = childError(e);
          }
        }
        runtime ??= samples[0]?.runtime;
        const med = (key) => (samples.length ? median(samples.map((s) => s[key])) : NaN);
        rows.push({
          graph: file.role === 'image' ? 'image tower stand-in (fp16, keep_io_types)' : 'text tower stand-in (q8: uint8 MatMulInteger)',
          role: file.role,
          layout,
          batch,
          fileBytes: file.bytes,
          publishedBytes: file.targetBytes,
          estimateBytes: file.estimateBytes,
          wasmBytes: med('wasmMemoryBytes'),
          wasmBytesWarm: med('wasmMemoryBytesWarm'),
          runtimeInitMs: med('runtimeInitMs'),
          sessionCreateMs: med('sessionCreateMs'),
          firstInferMs: med('firstInferMs'),
          inferMs: med('inferMs'),
          samples: samples.length,
          error,
        });
      }
    }
    return { generateMs: generated.ms, runs, repeats, runtime, rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mib = (bytes) => (Number.isFinite(bytes) ? (bytes / MiB).toFixed(1) : 'n/a');
const mb = (bytes) => (bytes / 1e6).toFixed(2);

export function standinsTable({ rows, runs, repeats, runtime, generateMs }) {
  const lines = [
    '| random-weight stand-in (NOT MobileCLIP) | weights | batch | file MB (published) | wasm MiB after load + 1 run | warm | share of 128 MiB | estimate MiB (pull/estimate.ts) | session create ms | first run ms | run ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    if (r.error) {
      lines.push(`| ${r.graph} | ${r.layout} | ${r.batch} | ${mb(r.fileBytes)} (${mb(r.publishedBytes)}) | **failed: ${r.error.replace(/\|/g, '\\|')}** | | | ${mib(r.estimateBytes)} | | | |`);
      continue;
    }
    lines.push(
      `| ${r.graph} | ${r.layout} | ${r.batch} | ${mb(r.fileBytes)} (${mb(r.publishedBytes)}) | ${mib(r.wasmBytes)} | ${mib(r.wasmBytesWarm)} | ${Math.round((100 * r.wasmBytesWarm) / ISOLATE_LIMIT_BYTES)}% | ${mib(r.estimateBytes)} | ${fmt(r.sessionCreateMs)} | ${fmt(r.firstInferMs)} | ${fmt(r.inferMs)} |`,
    );
  }
  return `${lines.join('\n')}\n\n` +
    'Generated graphs with random weights (models/tools/clip-standins.ts), **not MobileCLIP-S0**: each copies the published file\'s size (within 2%), weight dtypes, inputs/outputs and layer structure (MCi0 image tower, MCt text tower, from Apple\'s ml-mobileclip code), so onnxruntime-web\'s load-time copies and casts and the activations of these shapes are real; trained weights would not change memory. ' +
    '"single file" is the published layout as onnxruntime-web takes it; "split at load" is that file as the Worker\'s model store hands it over (its initializers moved out as external-data views, no copy: shared/models/external-weights.ts); "external data" is the same graph written with its weights in a side file, through ORT\'s `externalData` session option. ' +
    'Wasm memory only (ORT\'s linear memory, which grows in steps and never shrinks); the isolate also holds the JS heap and the model bytes the Worker keeps. ' +
    `Each figure is the median of ${repeats} fresh processes; run ms is the median of ${runs} warm runs within each. ${runtime ?? ''}. Generating the stand-ins took ${generateMs} ms.`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : fallback; };
  const result = await benchStandins({ runs: opt('--runs', 10), repeats: opt('--repeats', 3), externalData: !args.includes('--no-external-data') });
  console.log(standinsTable(result));
}
