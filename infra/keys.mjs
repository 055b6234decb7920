#!/usr/bin/env node
// Issues, revokes and lists API keys (AUTH_MODE = "keys"). A key's record is
// written to the CACHE KV namespace at `apikey:<id>` through wrangler; only
// the key's SHA-256 is stored. The key itself is printed once, at creation,
// and cannot be recovered: a lost key is revoked and replaced.
//
//   npm run keys -- create --name acme [--scopes tasks,collections,gpu|all] [--quota standard|high] --local|--remote
//   npm run keys -- list --local|--remote
//   npm run keys -- revoke <id> --local|--remote
//
// --local writes the store `npm run dev` reads (.wrangler/state, or --persist-to <dir>);
// --remote writes the deployed namespace (after `npm run provision`).
// The record shape is shared/http/auth/api-key.ts (KeyRecord); keys.test.ts checks they agree.
// Revocation reaches every location within KV's propagation time (about 60 s).
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';

export const KEY_PREFIX = 'apikey:';
export const SCOPES = ['tasks', 'collections', 'gpu'];
export const QUOTAS = ['standard', 'high'];
const BINDING = 'CACHE';

/** A new key and the record that stores it (without the key). */
export function newKey({ name, scopes = ['tasks'], quota = 'standard', now = new Date() }) {
  if (!name || typeof name !== 'string' || name.length > 200) throw new Error('--name is required (up to 200 characters)');
  const unknown = scopes.filter((scope) => !SCOPES.includes(scope));
  if (unknown.length || scopes.length === 0) throw new Error(`--scopes must be some of ${SCOPES.join(', ')} (or all); got ${scopes.join(',')}`);
  if (!QUOTAS.includes(quota)) throw new Error(`--quota must be one of ${QUOTAS.join(', ')}`);
  const id = randomBytes(8).toString('hex');
  const token = `evk_${id}_${randomBytes(32).toString('base64url')}`;
  const record = { id, name, sha256: createHash('sha256').update(token).digest('hex'), scopes: [...new Set(scopes)], quota, created: now.toISOString() };
  return { token, record };
}

export function parseArgs(argv) {
  const [command, ...rest] = argv;
  const options = { command, positional: [] };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const [flag, inline] = arg.startsWith('--') ? arg.split(/=(.*)/s, 2) : [undefined];
    const value = () => inline ?? rest[++i];
    if (flag === undefined) options.positional.push(arg);
    else if (flag === '--name') options.name = value();
    else if (flag === '--scopes') {
      const raw = value() ?? '';
      options.scopes = raw === 'all' ? [...SCOPES] : raw.split(',').map((s) => s.trim()).filter(Boolean);
    } else if (flag === '--quota') options.quota = value();
    else if (flag === '--local' || flag === '--remote') {
      if (options.target && options.target !== flag.slice(2)) throw new Error('give one of --local or --remote');
      options.target = flag.slice(2);
    } else if (flag === '--persist-to') options.persistTo = value();
    else if (flag === '--config') options.config = value();
    else throw new Error(`unknown option ${arg}`);
  }
  return options;
}

class Store {
  constructor({ wrangler, target, persistTo, config }) {
    if (target !== 'local' && target !== 'remote') throw new Error('say where the keys live: --local (npm run dev) or --remote (the deployment)');
    this.wrangler = wrangler;
    this.common = ['--binding', BINDING, `--${target}`, ...(persistTo ? ['--persist-to', persistTo] : []), ...(config ? ['--config', config] : [])];
  }

  run(args) {
    try {
      return execFileSync(this.wrangler, [...args, ...this.common], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      throw new Error(`wrangler ${args.slice(0, 3).join(' ')} failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    }
  }

  put(record) {
    this.run(['kv', 'key', 'put', `${KEY_PREFIX}${record.id}`, JSON.stringify(record)]);
  }

  get(id) {
    const text = this.run(['kv', 'key', 'get', `${KEY_PREFIX}${id}`, '--text']).trim();
    if (text === '' || text === 'Value not found') return undefined;
    return JSON.parse(text);
  }

  ids() {
    const output = this.run(['kv', 'key', 'list', '--prefix', KEY_PREFIX]);
    const start = output.indexOf('[');
    if (start < 0) throw new Error(`could not read wrangler's key list:\n${output}`);
    return JSON.parse(output.slice(start)).map((entry) => entry.name.slice(KEY_PREFIX.length));
  }
}

export function main(argv, { wrangler, out = console.log, now = new Date() }) {
  const options = parseArgs(argv);
  const store = () => new Store({ wrangler, ...options });
  switch (options.command) {
    case 'create': {
      const { token, record } = newKey({ name: options.name, scopes: options.scopes, quota: options.quota, now });
      store().put(record);
      out(`Created key ${record.id} for ${record.name} (scopes: ${record.scopes.join(', ')}; quota: ${record.quota}).`);
      out('The key, shown this once (only its SHA-256 is stored): send it as `Authorization: Bearer <key>`');
      out(token);
      return record;
    }
    case 'revoke': {
      const id = options.positional[0];
      if (!/^[0-9a-f]{16}$/.test(id ?? '')) throw new Error('usage: npm run keys -- revoke <id> --local|--remote (the 16-hex-digit id from `list`)');
      const s = store();
      const record = s.get(id);
      if (!record) throw new Error(`no key ${id}`);
      if (record.revoked) {
        out(`Key ${id} was already revoked (${record.revoked}).`);
        return record;
      }
      const revoked = { ...record, revoked: now.toISOString() };
      s.put(revoked);
      out(`Revoked key ${id} (${record.name}). Every location refuses it within about 60 s (KV propagation).`);
      return revoked;
    }
    case 'list': {
      const s = store();
      const records = s.ids().map((id) => s.get(id)).filter(Boolean);
      if (records.length === 0) out('No keys.');
      for (const r of records) out(`${r.id}  ${r.revoked ? `revoked ${r.revoked}` : 'active'}  ${r.quota}  ${r.scopes.join(',')}  ${r.created}  ${r.name}`);
      return records;
    }
    default:
      throw new Error('usage: npm run keys -- create --name <who> [--scopes tasks,collections,gpu|all] [--quota standard|high] | list | revoke <id>, each with --local or --remote');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    main(process.argv.slice(2), { wrangler: process.env.WRANGLER_BIN ?? resolve('node_modules/.bin/wrangler') });
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
