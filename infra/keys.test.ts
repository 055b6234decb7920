import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM script without types
import * as keys from './keys.mjs';

const script = new URL('./keys.mjs', import.meta.url).pathname;

/**
 * The Worker's side of the contract (shared/http/auth/api-key.ts), imported at
 * run time: type-checking it here would pull Worker-only types into the Node build.
 */
interface WorkerKeys {
  hashKey(token: string): Promise<string>;
  keyId(token: string): string | undefined;
  KeyRecord: { parse(value: unknown): unknown };
  QUOTAS: readonly string[];
  SCOPES: readonly string[];
}
const workerKeysPath = '../shared/http/auth/api-key.ts';
const { hashKey, keyId, KeyRecord, QUOTAS, SCOPES } = (await import(/* @vite-ignore */ workerKeysPath)) as WorkerKeys;

/** A stand-in wrangler: KV in a JSON file, every call logged. */
function standIn(dir: string): { bin: string; store: () => Record<string, string>; calls: () => string[] } {
  const storePath = join(dir, 'kv.json');
  const callsPath = join(dir, 'calls.log');
  writeFileSync(storePath, '{}');
  const bin = join(dir, 'wrangler');
  writeFileSync(
    bin,
    `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(callsPath)}, JSON.stringify(args) + '\\n');
const kv = JSON.parse(fs.readFileSync(${JSON.stringify(storePath)}, 'utf8'));
const [, , op, key, value] = args;
if (op === 'put') { kv[key] = value; fs.writeFileSync(${JSON.stringify(storePath)}, JSON.stringify(kv)); console.log('Writing the value ' + value); }
else if (op === 'get') console.log(key in kv ? kv[key] : 'Value not found');
else if (op === 'list') { const prefix = args[args.indexOf('--prefix') + 1]; console.log(JSON.stringify(Object.keys(kv).filter((k) => k.startsWith(prefix)).map((name) => ({ name })), null, 2)); }
`,
  );
  chmodSync(bin, 0o755);
  return {
    bin,
    store: () => JSON.parse(readFileSync(storePath, 'utf8')),
    calls: () => readFileSync(callsPath, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as string[]).join(' ')),
  };
}

function cli(args: string[], wrangler: string): string {
  return execFileSync(process.execPath, [script, ...args], { env: { ...process.env, WRANGLER_BIN: wrangler }, encoding: 'utf8' });
}

describe('npm run keys', () => {
  it('issues keys the Worker accepts: same format, same hash, same record schema', async () => {
    expect(keys.SCOPES).toEqual([...SCOPES]);
    expect(keys.QUOTAS).toEqual([...QUOTAS]);
    const { token, record } = keys.newKey({ name: 'acme', scopes: ['tasks', 'gpu'], quota: 'high' });
    expect(KeyRecord.parse(record)).toEqual(record);
    expect(keyId(token)).toBe(record.id);
    expect(record.sha256).toBe(await hashKey(token));
    expect(JSON.stringify(record)).not.toContain(token.split('_')[2]);
    // Two keys never share an id or a secret.
    const other = keys.newKey({ name: 'acme' });
    expect(other.record.id).not.toBe(record.id);
    expect(other.record.scopes).toEqual(['tasks']);
    expect(other.record.quota).toBe('standard');
  });

  it('refuses bad arguments before touching the store', () => {
    expect(() => keys.newKey({ name: '' })).toThrow(/--name/);
    expect(() => keys.newKey({ name: 'x', scopes: ['admin'] })).toThrow(/--scopes/);
    expect(() => keys.newKey({ name: 'x', quota: 'unlimited' })).toThrow(/--quota/);
    expect(keys.parseArgs(['create', '--name=a b', '--scopes', 'all', '--local']).scopes).toEqual([...SCOPES]);
    expect(() => keys.parseArgs(['list', '--local', '--remote'])).toThrow(/one of/);
    expect(() => keys.parseArgs(['list', '--force'])).toThrow(/unknown option/);
    expect(() => keys.main(['list'], { wrangler: '/nonexistent', out: () => {} })).toThrow(/--local .* or --remote/);
  });

  it('creates, lists and revokes through wrangler kv, storing only the hash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-'));
    const fake = standIn(dir);
    const created = cli(['create', '--name', 'acme corp', '--scopes', 'tasks,collections', '--local', '--persist-to', dir], fake.bin);
    const token = created.trim().split('\n').at(-1)!;
    const id = keyId(token)!;
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    const stored = fake.store();
    expect(Object.keys(stored)).toEqual([`apikey:${id}`]);
    expect(stored[`apikey:${id}`]).not.toContain(token);
    expect(JSON.parse(stored[`apikey:${id}`]!)).toMatchObject({ id, name: 'acme corp', scopes: ['tasks', 'collections'], quota: 'standard' });

    const listed = cli(['list', '--local', '--persist-to', dir], fake.bin);
    expect(listed).toContain(`${id}  active  standard  tasks,collections`);
    expect(listed).not.toContain(token);

    const revoked = cli(['revoke', id, '--local', '--persist-to', dir], fake.bin);
    expect(revoked).toContain(`Revoked key ${id}`);
    expect(JSON.parse(fake.store()[`apikey:${id}`]!).revoked).toMatch(/^\d{4}-/);
    expect(cli(['list', '--local', '--persist-to', dir], fake.bin)).toContain(`${id}  revoked`);
    expect(() => cli(['revoke', 'f'.repeat(16), '--local'], fake.bin)).toThrow(/no key/);

    // Every call names the binding and the store; the key never reaches wrangler's argv.
    for (const call of fake.calls()) {
      expect(call).toContain('--binding CACHE --local');
      expect(call).not.toContain(token);
    }
  });

  it('works with the real wrangler against a local store', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-real-'));
    const wrangler = resolve('node_modules/.bin/wrangler');
    const token = cli(['create', '--name', 'local dev', '--local', '--persist-to', dir], wrangler).trim().split('\n').at(-1)!;
    expect(cli(['list', '--local', '--persist-to', dir], wrangler)).toContain(`${keyId(token)}  active  standard  tasks`);
  });
});
