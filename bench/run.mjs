// npm run bench: runs the real Worker in workerd (wrangler dev, local KV) and
// measures it beside native references on the same inputs, on this machine.
// Medians of repeated runs: the machine is noisy. Writes BENCHMARKS.md.
import { cpus } from 'node:os';
import { writeFileSync } from 'node:fs';
import { benchAnalyze } from './analyze.mjs';
import { benchDecode, decodeTable, makeJpegs } from './decode.mjs';
import { benchMemory, memoryTable } from './memory.mjs';
import { benchRoutes, routesTable } from './routes.mjs';
import { startWorker } from './lib/worker.mjs';

const sections = [];
const section = (title, body) => {
  console.log(`\n## ${title}\n${body}`);
  sections.push(`## ${title}\n\n${body}\n`);
};
const jpegs = await makeJpegs();
// A fresh isolate for each part, so "cold" really is the first request of an isolate.
for (const [title, run] of [
  ['Routes on a 1 MP JPEG: cold (first request of a fresh isolate: session creation), warm cache miss, cache hit', async (w) => routesTable(await benchRoutes(w.origin, jpegs.find((j) => j.label === '1 MP').bytes))],
  ['/v1/analyze, default features (tags, objects, faces, moderation, embedding) on a 1 MP JPEG, per-feature ms from Server-Timing', async (w) => benchAnalyze(w.origin, jpegs.find((j) => j.label === '1 MP').bytes)],
  ['Isolate memory as each model loads (one isolate, every route)', async (w) => memoryTable(await benchMemory(w))],
  ['Decode and resize inside workerd (Server-Timing of /v1/inspect, which needs a 64 px thumbnail)', async (w) => decodeTable(await benchDecode(w.origin, jpegs))],
]) {
  const worker = await startWorker();
  try {
    section(title, await run(worker));
  } finally {
    worker.stop();
  }
}
const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
writeFileSync(
  new URL('../BENCHMARKS.md', import.meta.url),
  `# Benchmarks\n\nRun with \`npm run bench\` (a few minutes, no network). The Worker runs in workerd under \`wrangler dev\`\n(local KV); requests come from this process over loopback, one at a time. Native references run in the\nsame process on the same inputs. Machine: ${machine}. Figures are medians of repeated runs; the machine\nis shared and noisy, so compare ratios, not absolutes. Written ${new Date().toISOString()}.\n\n${sections.join('\n')}`,
);
console.log('\nWrote BENCHMARKS.md');
