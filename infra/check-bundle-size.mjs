#!/usr/bin/env node
// Fails when a Worker bundle that `wrangler deploy --dry-run` wrote is over
// the plan's compressed size limit, so an oversized model or codec breaks
// `npm test` instead of the deploy. Limits: 3 MiB (Free) / 10 MiB (Paid),
// gzip-compressed; set BUNDLE_LIMIT_MIB to change the one enforced.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dirs = process.argv.length > 2 ? process.argv.slice(2) : ['.wrangler/dry-run'];
const limitMiB = Number(process.env.BUNDLE_LIMIT_MIB ?? 10);
const mib = (n) => (n / 1024 / 1024).toFixed(2);

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return name.endsWith('.map') || name === 'README.md' ? [] : [path];
  });
}

let over = false;
// Each Worker is its own upload, so each has the whole limit.
for (const dir of dirs) {
  const files = filesUnder(dir);
  let raw = 0;
  let gzip = 0;
  for (const file of files) {
    const bytes = readFileSync(file);
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  console.log(`Worker bundle ${dir}: ${files.length} files, ${mib(raw)} MiB raw, ${mib(gzip)} MiB gzip (limit ${limitMiB} MiB gzip)`);
  if (gzip > limitMiB * 1024 * 1024) {
    console.error(`${dir}: the Worker bundle is over the ${limitMiB} MiB compressed limit.`);
    over = true;
  }
}
if (over) process.exit(1);
