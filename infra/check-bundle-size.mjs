#!/usr/bin/env node
// Fails when the Worker bundle that `wrangler deploy --dry-run` wrote is over
// the plan's compressed size limit, so an oversized model or codec breaks
// `npm test` instead of the deploy. Limits: 3 MiB (Free) / 10 MiB (Paid),
// gzip-compressed; set BUNDLE_LIMIT_MIB to change the one enforced.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dir = process.argv[2] ?? '.wrangler/dry-run';
const limitMiB = Number(process.env.BUNDLE_LIMIT_MIB ?? 10);
const files = [];
const walk = (d) => {
  for (const name of readdirSync(d)) {
    const path = join(d, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (!name.endsWith('.map') && name !== 'README.md') files.push(path);
  }
};
walk(dir);
let raw = 0;
let gzip = 0;
for (const file of files) {
  const bytes = readFileSync(file);
  raw += bytes.length;
  gzip += gzipSync(bytes, { level: 9 }).length;
}
const mib = (n) => (n / 1024 / 1024).toFixed(2);
console.log(`Worker bundle: ${files.length} files, ${mib(raw)} MiB raw, ${mib(gzip)} MiB gzip (limit ${limitMiB} MiB gzip)`);
if (gzip > limitMiB * 1024 * 1024) {
  console.error(`The Worker bundle is over the ${limitMiB} MiB compressed limit.`);
  process.exit(1);
}
