import { env } from 'cloudflare:workers';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import worker from '../../../functions/api/index.ts';
import photo from '../../../test/fixtures/ingest/photo-q60-half.jpg?bytes';
import { toHex } from '../../hash/sha256.ts';
import { hashKey, KEY_PREFIX, keyId, type KeyRecord, scopeOf } from './api-key.ts';

/** The Worker called as a client would, with vars/bindings overridden for this request only. */
async function send(path: string, init: RequestInit = {}, overrides: Partial<Env> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`https://api.test${path}`, init), { ...env, AUTH_MODE: 'keys', ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

/** A key issued the way `npm run keys -- create` issues one (infra/keys.mjs; keys.test.ts checks they agree). */
async function issueKey(fields: Partial<KeyRecord> = {}): Promise<{ id: string; token: string }> {
  const id = toHex(crypto.getRandomValues(new Uint8Array(8)));
  const secret = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
  const token = `evk_${id}_${secret}`;
  const record: KeyRecord = { id, name: 'test', sha256: await hashKey(token), scopes: ['tasks'], quota: 'standard', created: new Date().toISOString(), ...fields };
  await env.CACHE.put(`${KEY_PREFIX}${id}`, JSON.stringify(record));
  return { id, token };
}

async function problem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const body = (await response.json()) as { code: string; detail: string };
  expect(body.code).toBe(code);
  return body;
}

describe('API keys: format and scopes', () => {
  it('reads the id of a well-formed key only', () => {
    const good = `evk_0123456789abcdef_${'A'.repeat(42)}x`;
    expect(keyId(good)).toBe('0123456789abcdef');
    expect(keyId(good.slice(0, -1))).toBeUndefined();
    expect(keyId(`evk_0123456789ABCDEF_${'A'.repeat(43)}`)).toBeUndefined();
    expect(keyId('')).toBeUndefined();
  });

  it('maps route patterns to scopes', () => {
    expect(scopeOf('/v1/classify')).toBe('tasks');
    expect(scopeOf('/v1/collections/:name/items/:id')).toBe('collections');
    expect(scopeOf('/v1/caption')).toBe('gpu');
    expect(scopeOf('/v1/*')).toBe('tasks');
  });
});

describe('AUTH_MODE', () => {
  it('is open by default: no key needed', async () => {
    const response = await send('/v1/inspect', { method: 'POST', body: photo }, { AUTH_MODE: 'open' });
    expect(response.status).toBe(200);
  });

  it('refuses an unknown mode instead of guessing', async () => {
    await problem(await send('/v1/inspect', { method: 'POST', body: photo }, { AUTH_MODE: 'none' }), 500, 'internal_error');
  });
});

describe('AUTH_MODE=keys', () => {
  const logged: string[] = [];
  beforeEach(() => {
    logged.length = 0;
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' ')));
    }
  });
  afterEach(() => vi.restoreAllMocks());

  it('keeps /healthz, /docs and /openapi.json public', async () => {
    for (const path of ['/healthz', '/docs', '/openapi.json']) expect((await send(path)).status).toBe(200);
  });

  it('answers 401 with a Bearer challenge when the key is missing, malformed, unknown or wrong', async () => {
    const { id, token } = await issueKey();
    const wrongSecret = `evk_${id}_${'B'.repeat(43)}`;
    const unknownId = token.replace(id, 'f'.repeat(16));
    const attempts: RequestInit[] = [{}, { headers: { authorization: 'Basic dXNlcjpwYXNz' } }, bearer('not-a-key'), bearer(unknownId), bearer(wrongSecret), bearer(`${token}x`)];
    for (const init of attempts) {
      const response = await send('/v1/inspect', { method: 'POST', body: photo, ...init });
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="edge-vision"');
      const body = await problem(response, 401, 'unauthorized');
      const presented = new Headers(init.headers).get('authorization')?.split(' ')[1];
      if (presented) expect(body.detail).not.toContain(presented);
    }
  });

  it('serves a valid key, and a revoked one no more', async () => {
    const { id, token } = await issueKey();
    const response = await send('/v1/inspect', { method: 'POST', body: photo, ...bearer(token) });
    expect(response.status).toBe(200);
    // The scheme name is case-insensitive (RFC 9110).
    expect((await send('/v1/inspect', { method: 'POST', body: photo, headers: { authorization: `bearer ${token}` } })).status).toBe(200);

    const record = JSON.parse((await env.CACHE.get(`${KEY_PREFIX}${id}`))!) as KeyRecord;
    await env.CACHE.put(`${KEY_PREFIX}${id}`, JSON.stringify({ ...record, revoked: new Date().toISOString() }));
    const body = await problem(await send('/v1/inspect', { method: 'POST', body: photo, ...bearer(token) }), 401, 'unauthorized');
    expect(body.detail).toMatch(/revoked/);
  });

  it('answers 403 outside the key scopes, whatever the spelling of the path', async () => {
    const { token } = await issueKey({ scopes: ['tasks'] });
    const body = await problem(await send('/v1/collections/photos', bearer(token)), 403, 'forbidden');
    expect(body.detail).toMatch(/collections/);
    // A percent-encoded path routes where the router decodes it, and is scoped by that route.
    const encoded = await send('/v1/%63ollections/photos', bearer(token));
    expect([403, 404]).toContain(encoded.status);

    const both = await issueKey({ scopes: ['tasks', 'collections'] });
    // Past auth (what the route answers without a D1 schema does not matter here).
    expect([401, 403]).not.toContain((await send('/v1/collections/photos', bearer(both.token))).status);
  });

  it('refuses a record that does not parse, as an invalid key', async () => {
    const { id, token } = await issueKey();
    await env.CACHE.put(`${KEY_PREFIX}${id}`, '{"id": "broken"');
    await problem(await send('/v1/inspect', { method: 'POST', body: photo, ...bearer(token) }), 401, 'unauthorized');
  });

  it('fails closed with 503 when the key store fails or does not answer in time', async () => {
    const { token } = await issueKey();
    const failing = { ...env.CACHE, get: () => Promise.reject(new Error('KV is down')) } as unknown as KVNamespace;
    await problem(await send('/v1/inspect', { method: 'POST', body: photo, ...bearer(token) }, { CACHE: failing }), 503, 'backend_unavailable');
    const started = Date.now();
    const hanging = { ...env.CACHE, get: () => new Promise(() => {}) } as unknown as KVNamespace;
    await problem(await send('/v1/inspect', { method: 'POST', body: photo, ...bearer(token) }, { CACHE: hanging }), 503, 'backend_unavailable');
    expect(Date.now() - started).toBeLessThan(5000);
    // The store is back: the same key works again.
    expect((await send('/v1/inspect', { method: 'POST', body: photo, ...bearer(token) })).status).toBe(200);
  });

  it('never writes a key to the log, even when the store fails', async () => {
    const { token } = await issueKey();
    const failing = { get: () => Promise.reject(new Error('KV is down')) } as unknown as KVNamespace;
    await send('/v1/inspect', { method: 'POST', body: photo, ...bearer(token) }, { CACHE: failing });
    await send('/v1/inspect', { method: 'POST', body: photo, ...bearer(`${token.slice(0, -1)}Z`) });
    expect(logged.length).toBeGreaterThan(0);
    const secret = token.split('_').at(-1)!;
    for (const line of logged) expect(line).not.toContain(secret.slice(0, 12));
  });
});
