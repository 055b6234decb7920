import { env } from 'cloudflare:workers';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../../functions/api/index.ts';
import { toHex } from '../../hash/sha256.ts';
import { hashKey, KEY_PREFIX, type KeyRecord } from '../auth/api-key.ts';
import { clientAddress, PERIOD_SECONDS } from './rate-limit.ts';

/** The limit wrangler.toml sets for RATE_LIMIT_IP (requests per 60 s). */
const IP_LIMIT = 120;

async function send(path: string, ip: string, overrides: Partial<Env> = {}, headers: Record<string, string> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request(`https://api.test${path}`, { headers: { 'cf-connecting-ip': ip, ...headers } });
  const response = await worker.fetch(request, { ...env, RATE_LIMITS: 'on', ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  // Read the body here so every request completes before the next is counted.
  return new Response(await response.arrayBuffer(), response);
}

/** A fresh address per test: the limiter's counters outlive a test's storage. */
const uniqueIp = () => `198.51.100.${Math.floor(Math.random() * 250) + 1}-${crypto.randomUUID().slice(0, 8)}`;

/**
 * The local limiter counts in wall-clock-aligned windows: start a burst early
 * in one, so it cannot straddle two and be counted twice as generously.
 */
async function freshWindow(): Promise<void> {
  const into = Date.now() % (PERIOD_SECONDS * 1000);
  if (into > (PERIOD_SECONDS - 20) * 1000) await new Promise((resolve) => setTimeout(resolve, PERIOD_SECONDS * 1000 - into + 100));
}

/** Requests sent until the first 429 (or `max`), and that 429. */
async function burst(max: number, next: (i: number) => Promise<Response>): Promise<{ passed: number; refused?: Response }> {
  for (let i = 0; i < max; i++) {
    const response = await next(i);
    if (response.status === 429) return { passed: i, refused: response };
  }
  return { passed: max };
}

async function issueKey(quota: KeyRecord['quota']): Promise<string> {
  const id = toHex(crypto.getRandomValues(new Uint8Array(8)));
  const token = `evk_${id}_${'k'.repeat(43)}`;
  const record: KeyRecord = { id, name: 'limit-test', sha256: await hashKey(token), scopes: ['tasks'], quota, created: new Date().toISOString() };
  await env.CACHE.put(`${KEY_PREFIX}${id}`, JSON.stringify(record));
  return token;
}

describe('clientAddress', () => {
  it('counts IPv4 per address and IPv6 per /64', () => {
    expect(clientAddress('203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddress('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientAddress('2001:0DB8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(clientAddress('2001:db8::')).toBe('2001:db8:0:0::/64');
    expect(clientAddress(undefined)).toBe('unknown');
  });
});

describe('rate limits (the [[ratelimits]] bindings, simulated by miniflare)', () => {
  it('answers 429 problem+json with Retry-After once a client address is over its limit', async () => {
    await freshWindow();
    const ip = uniqueIp();
    // A /v1 path with no route: it passes the limiter, then 404s cheaply.
    const { passed, refused } = await burst(IP_LIMIT + 5, () => send('/v1/limit-probe', ip));
    expect(passed).toBe(IP_LIMIT);
    expect(refused!.headers.get('retry-after')).toBe(String(PERIOD_SECONDS));
    expect(refused!.headers.get('content-type')).toBe('application/problem+json');
    // Another address is unaffected; public routes are never limited.
    expect((await send('/v1/limit-probe', uniqueIp())).status).toBe(404);
    expect((await send('/healthz', ip)).status).toBe(200);
    // Off means off.
    expect((await send('/v1/limit-probe', ip, { RATE_LIMITS: 'off' })).status).toBe(404);
  });

  it('counts a key across addresses, in the tier its record names', async () => {
    await freshWindow();
    const token = await issueKey('standard');
    // The standard tier, with the 120-a-minute limiter standing in for its 600 (same simulator, a shorter test).
    const standard = { limit: (options: RateLimitOptions) => env.RATE_LIMIT_IP.limit(options) } as RateLimit;
    const overrides = { AUTH_MODE: 'keys', RATE_LIMIT_KEY_STANDARD: standard } as Partial<Env>;
    const auth = { authorization: `Bearer ${token}` };
    const ips = [uniqueIp(), uniqueIp(), uniqueIp()];
    const { passed, refused } = await burst(IP_LIMIT + 5, (i) => send('/v1/limit-probe', ips[i % 3]!, overrides, auth));
    expect(passed).toBe(IP_LIMIT);
    const body = (await refused!.json()) as { code: string; detail: string };
    expect(body.code).toBe('rate_limited');
    expect(body.detail).toMatch(/API key/);
    // The same addresses without the key are counted on their own.
    expect((await send('/v1/limit-probe', ips[0]!, { RATE_LIMIT_KEY_STANDARD: standard } as Partial<Env>)).status).toBe(404);
  });

  it('counts failed key attempts against the address, so guessing is throttled', async () => {
    await freshWindow();
    const ip = uniqueIp();
    const guess = { authorization: `Bearer evk_0123456789abcdef_${'g'.repeat(43)}` };
    const { passed, refused } = await burst(IP_LIMIT + 5, () => send('/v1/limit-probe', ip, { AUTH_MODE: 'keys' }, guess));
    expect(passed).toBe(IP_LIMIT);
    expect(refused!.status).toBe(429);
  });

  it('lets requests through when the limiter fails or hangs (it guards capacity, it must not be an outage)', async () => {
    const failing = { limit: () => Promise.reject(new Error('limiter down')) } as RateLimit;
    const hanging = { limit: () => new Promise(() => {}) } as unknown as RateLimit;
    expect((await send('/v1/limit-probe', uniqueIp(), { RATE_LIMIT_IP: failing })).status).toBe(404);
    const started = Date.now();
    expect((await send('/v1/limit-probe', uniqueIp(), { RATE_LIMIT_IP: hanging })).status).toBe(404);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
