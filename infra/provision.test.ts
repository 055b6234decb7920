import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM script without types
import { parseCreatedId, setKvId } from './provision.mjs';

const projectToml = readFileSync(new URL('../wrangler.toml', import.meta.url), 'utf8');

describe('provisioning', () => {
  it('reads the namespace id from what wrangler prints', () => {
    const printed = '🌀 Creating namespace with title "edge-vision-cache"\n✨ Success!\n[[kv_namespaces]]\nbinding = "edge_vision_cache"\nid = "0123456789abcdef0123456789abcdef"\n';
    expect(parseCreatedId(printed)).toBe('0123456789abcdef0123456789abcdef');
    expect(parseCreatedId('{ "binding": "x", "id": "fedcba9876543210fedcba9876543210" }')).toBe('fedcba9876543210fedcba9876543210');
    expect(() => parseCreatedId('error')).toThrow(/could not find/);
  });

  it('writes the id into the binding of the project wrangler.toml and nothing else', () => {
    const updated = setKvId(projectToml, 'CACHE', '0123456789abcdef0123456789abcdef');
    expect(updated).toContain('id = "0123456789abcdef0123456789abcdef"');
    expect(updated.split('\n').filter((line: string, i: number) => line !== projectToml.split('\n')[i])).toHaveLength(1);
  });

  it('runs end to end against a stand-in wrangler and is idempotent', () => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-'));
    const config = join(dir, 'wrangler.toml');
    writeFileSync(config, projectToml);
    const fake = join(dir, 'wrangler');
    const calls = join(dir, 'calls.log');
    writeFileSync(
      fake,
      `#!/bin/sh\necho "$@" >> ${calls}\necho '[[kv_namespaces]]'\necho 'id = "abcdefabcdefabcdefabcdefabcdefab"'\necho 'database_id = "12345678-1234-1234-1234-123456789abc"'\n`,
    );
    chmodSync(fake, 0o755);
    const script = new URL('./provision.mjs', import.meta.url).pathname;
    const env = { ...process.env, WRANGLER_BIN: fake };
    execFileSync(process.execPath, [script, `--config=${config}`], { env, encoding: 'utf8' });
    expect(readFileSync(config, 'utf8')).toContain('id = "abcdefabcdefabcdefabcdefabcdefab"');
    expect(readFileSync(config, 'utf8')).toContain('database_id = "12345678-1234-1234-1234-123456789abc"');
    const second = execFileSync(process.execPath, [script, `--config=${config}`], { env, encoding: 'utf8' });
    expect(second).toContain('already provisioned');
    const commands = readFileSync(calls, 'utf8').trim().split('\n');
    expect(commands.filter((c) => c.includes('create'))).toEqual([
      'kv namespace create edge-vision-cache',
      'd1 create edge-vision-search',
      'r2 bucket create edge-vision-models',
      'r2 bucket create edge-vision-models',
    ]);
    // Migrations are applied on every run (wrangler skips those already applied).
    expect(commands.filter((c) => c.startsWith('d1 migrations apply SEARCH_DB --remote'))).toHaveLength(2);
  });
});
