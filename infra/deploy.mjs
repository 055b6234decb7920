#!/usr/bin/env node
// `npm run deploy` deploys every Worker (infra/workers.mjs) in order;
// `npm run deploy:dry-run` bundles each one without uploading and fails when a
// bundle is over the plan's size limit (infra/check-bundle-size.mjs), so an
// oversized model or codec breaks `npm test` instead of the deploy.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { WORKERS } from './workers.mjs';

const dryRun = process.argv.includes('--dry-run');
const outDirs = [];
for (const worker of WORKERS) {
  const args = ['wrangler', 'deploy', '-c', worker.config];
  if (dryRun) {
    // wrangler resolves --outdir against the config's folder: pass it absolute.
    const outDir = resolve('.wrangler/dry-run', worker.name);
    args.push('--dry-run', '--outdir', outDir);
    outDirs.push(outDir);
  }
  console.log(`\n> ${dryRun ? 'bundling' : 'deploying'} the ${worker.name} Worker (${worker.config})`);
  const run = spawnSync('npx', args, { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
if (dryRun) {
  const check = spawnSync(process.execPath, ['infra/check-bundle-size.mjs', ...outDirs], { stdio: 'inherit' });
  process.exit(check.status ?? 1);
}
