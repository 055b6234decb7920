// Bundle size of each Worker as `wrangler deploy --dry-run` writes it (the
// same bundling as `npm run deploy:dry-run`, into bench/out so it never races
// the tests' .wrangler/dry-run), raw and gzip, against the Workers limits.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { WORKERS } from '../infra/workers.mjs';

const MiB = 1024 * 1024;

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return name.endsWith('.map') || name === 'README.md' ? [] : [path];
  });
}

export function benchBundles() {
  const rows = [];
  for (const worker of WORKERS) {
    const outDir = resolve('bench/out/dry-run', worker.name);
    const run = spawnSync('npx', ['wrangler', 'deploy', '-c', worker.config, '--dry-run', '--outdir', outDir], { encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } });
    if (run.status !== 0) throw new Error(`wrangler deploy --dry-run (${worker.config}) failed:\n${run.stderr.slice(-2000)}`);
    let raw = 0;
    let gzip = 0;
    const files = filesUnder(outDir);
    for (const file of files) {
      const bytes = readFileSync(file);
      raw += bytes.length;
      gzip += gzipSync(bytes, { level: 9 }).length;
    }
    rows.push({ worker: worker.name, config: worker.config, files: files.length, raw, gzip });
  }
  return rows;
}

export function bundleTable(rows) {
  const lines = [
    '| Worker | files | raw (MiB) | gzip (MiB) | of the 10 MiB gzip limit (Paid) | of the 3 MiB gzip limit (Free) |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.worker} (${r.config}) | ${r.files} | ${(r.raw / MiB).toFixed(2)} | ${(r.gzip / MiB).toFixed(2)} | ${((r.gzip / (10 * MiB)) * 100).toFixed(0)}% | ${((r.gzip / (3 * MiB)) * 100).toFixed(0)}% |`),
  ];
  return `${lines.join('\n')}\n\nModel weights are static assets read through the MODEL_FILES binding, outside the script bundle.`;
}
