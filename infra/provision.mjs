#!/usr/bin/env node
// Creates the Cloudflare resources the Workers use in the account wrangler is
// logged into, and writes their ids into wrangler.toml. Safe to re-run: a
// binding whose id is already set is left alone, and "already exists"
// answers count as done.
//
//   npx wrangler login        # once
//   npm run provision         # creates what is missing, edits wrangler.toml
//   npm run provision -- --dry-run   # prints what it would do
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Every account resource the Workers bind to. Add a row when a binding is added to wrangler.toml. */
export const RESOURCES = [
  { kind: 'kv', binding: 'CACHE', name: 'edge-vision-cache' },
  { kind: 'd1', binding: 'SEARCH_DB', name: 'edge-vision-search' },
  // Model files over the 25 MiB static-asset limit (MobileCLIP's text encoder).
  { kind: 'r2', binding: 'MODEL_BUCKET', name: 'edge-vision-models' },
];

const PLACEHOLDER_ID = '00000000000000000000000000000000';
const PLACEHOLDER_UUID = '00000000-0000-0000-0000-000000000000';

/** The `database_id = "..."` line of the [[d1_databases]] block whose binding is `binding`. */
export function findD1IdLine(toml, binding) {
  const blocks = toml.split(/(?=^\[)/m);
  let offset = 0;
  for (const block of blocks) {
    if (block.startsWith('[[d1_databases]]') && new RegExp(`^binding\\s*=\\s*"${binding}"`, 'm').test(block)) {
      const match = /^database_id\s*=\s*"([^"]*)"/m.exec(block);
      if (match) return { start: offset + match.index, text: match[0], id: match[1] };
    }
    offset += block.length;
  }
  return undefined;
}

export function parseCreatedUuid(output) {
  const match = /database_id\s*[=:]\s*"([0-9a-f-]{36})"/.exec(output) ?? /"database_id"\s*:\s*"([0-9a-f-]{36})"/.exec(output);
  if (!match) throw new Error(`could not find the new database id in wrangler's output:\n${output}`);
  return match[1];
}

/** Finds the `id = "..."` line of the [[kv_namespaces]] block whose binding is `binding`. */
export function findKvIdLine(toml, binding) {
  const lines = toml.split('\n');
  let inBlock = false;
  let blockBinding;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line.startsWith('[')) {
      inBlock = line === '[[kv_namespaces]]';
      blockBinding = undefined;
      continue;
    }
    if (!inBlock) continue;
    const b = /^binding\s*=\s*"([^"]+)"/.exec(line);
    if (b) blockBinding = b[1];
    const id = /^id\s*=\s*"([^"]*)"/.exec(line);
    if (id && blockBinding === binding) return { index: i, id: id[1] };
    if (id && blockBinding === undefined) {
      // binding may come after id: look ahead within the block
      for (let j = i + 1; j < lines.length && !lines[j].trim().startsWith('['); j++) {
        const later = /^binding\s*=\s*"([^"]+)"/.exec(lines[j].trim());
        if (later) {
          if (later[1] === binding) return { index: i, id: id[1] };
          break;
        }
      }
    }
  }
  return undefined;
}

export function setKvId(toml, binding, id) {
  const found = findKvIdLine(toml, binding);
  if (!found) throw new Error(`wrangler.toml has no [[kv_namespaces]] block with binding = "${binding}"`);
  const lines = toml.split('\n');
  lines[found.index] = lines[found.index].replace(/id\s*=\s*"[^"]*"/, `id = "${id}"`);
  return lines.join('\n');
}

/** wrangler prints the new namespace id in its suggested config (TOML or JSON). */
export function parseCreatedId(output) {
  const match = /\bid\s*[=:]\s*"([0-9a-f]{32})"/.exec(output) ?? /"id"\s*:\s*"([0-9a-f]{32})"/.exec(output);
  if (!match) throw new Error(`could not find the new id in wrangler's output:\n${output}`);
  return match[1];
}

function run(wrangler, args, dryRun) {
  const printable = `wrangler ${args.join(' ')}`;
  if (dryRun) {
    console.log(`[dry-run] ${printable}`);
    return '';
  }
  console.log(`> ${printable}`);
  try {
    return execFileSync(wrangler, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`;
    if (/already exists/i.test(output)) return output;
    throw new Error(`${printable} failed:\n${output}`);
  }
}

export function provision({ configPath, wrangler, dryRun }) {
  let toml = readFileSync(configPath, 'utf8');
  for (const resource of RESOURCES) {
    if (resource.kind === 'kv') {
      const current = findKvIdLine(toml, resource.binding);
      if (!current) throw new Error(`wrangler.toml declares no KV binding ${resource.binding}`);
      if (current.id && current.id !== PLACEHOLDER_ID) {
        console.log(`KV ${resource.binding}: already provisioned (${current.id})`);
        continue;
      }
      const output = run(wrangler, ['kv', 'namespace', 'create', resource.name], dryRun);
      if (dryRun) continue;
      const id = parseCreatedId(output);
      toml = setKvId(toml, resource.binding, id);
      console.log(`KV ${resource.binding}: created ${resource.name} (${id})`);
    } else if (resource.kind === 'd1') {
      const current = findD1IdLine(toml, resource.binding);
      if (!current) throw new Error(`wrangler.toml declares no D1 binding ${resource.binding}`);
      if (current.id && current.id !== PLACEHOLDER_UUID) {
        console.log(`D1 ${resource.binding}: already provisioned (${current.id})`);
      } else {
        const output = run(wrangler, ['d1', 'create', resource.name], dryRun);
        if (!dryRun) {
          const id = parseCreatedUuid(output);
          toml = toml.slice(0, current.start) + `database_id = "${id}"` + toml.slice(current.start + current.text.length);
          console.log(`D1 ${resource.binding}: created ${resource.name} (${id})`);
        }
      }
      if (!dryRun) writeFileSync(configPath, toml);
      run(wrangler, ['d1', 'migrations', 'apply', resource.binding, '--remote', `--config=${configPath}`], dryRun);
    } else if (resource.kind === 'r2') {
      run(wrangler, ['r2', 'bucket', 'create', resource.name], dryRun);
    } else if (resource.kind === 'queue') {
      run(wrangler, ['queues', 'create', resource.name], dryRun);
    } else if (resource.kind === 'vectorize') {
      run(wrangler, ['vectorize', 'create', resource.name, `--dimensions=${resource.dimensions}`, `--metric=${resource.metric}`], dryRun);
    } else {
      throw new Error(`unknown resource kind ${resource.kind}`);
    }
  }
  if (!dryRun) writeFileSync(configPath, toml);
  console.log(dryRun ? 'Dry run: nothing was created.' : `Done. ${configPath} updated; deploy with: npm run deploy`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  provision({
    configPath: resolve(args.find((a) => a.startsWith('--config='))?.slice(9) ?? 'wrangler.toml'),
    wrangler: process.env.WRANGLER_BIN ?? resolve('node_modules/.bin/wrangler'),
    dryRun: args.includes('--dry-run'),
  });
}
