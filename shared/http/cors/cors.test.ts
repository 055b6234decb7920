import { env } from 'cloudflare:workers';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../../functions/api/index.ts';

async function send(path: string, init: RequestInit = {}, overrides: Partial<Env> = {}, origin = 'https://api.test'): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`${origin}${path}`, init), { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const fromPage = (origin: string, init: RequestInit = {}) => ({ ...init, headers: { origin, ...(init.headers as Record<string, string>) } });

describe('CORS (CORS_ORIGINS)', () => {
  it('sends no CORS header by default', async () => {
    const response = await send('/v1/models', fromPage('https://app.example'));
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows listed origins only, and exposes the headers clients read', async () => {
    const vars = { CORS_ORIGINS: 'https://app.example, https://admin.example' };
    const allowed = await send('/v1/models', fromPage('https://app.example'), vars);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(allowed.headers.get('access-control-expose-headers')).toContain('x-cache');
    expect(allowed.headers.get('vary')).toMatch(/origin/i);
    const other = await send('/v1/models', fromPage('https://evil.example'), vars);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('answers a preflight before authentication, and errors carry CORS headers too', async () => {
    const vars = { CORS_ORIGINS: '*', AUTH_MODE: 'keys' };
    const preflight = await send(
      '/v1/classify',
      fromPage('https://app.example', { method: 'OPTIONS', headers: { 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } }),
      vars,
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    // The real request without a key: 401, readable by the page (so it can tell the user why).
    const denied = await send('/v1/classify', fromPage('https://app.example', { method: 'POST', body: 'x' }), vars);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('security headers', () => {
  it('puts a no-content CSP, nosniff and HSTS on API answers, errors included', async () => {
    for (const response of [await send('/v1/models'), await send('/v1/inspect', { method: 'POST' }), await send('/nowhere')]) {
      expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    }
    // HSTS means nothing over plain http (local dev): not sent there.
    expect((await send('/healthz', {}, {}, 'http://127.0.0.1:8787')).headers.get('strict-transport-security')).toBeNull();
  });

  it('keeps the docs page CSP: its inline styles only, no script, no framing', async () => {
    const docs = await send('/docs');
    expect(docs.status).toBe(200);
    const csp = docs.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("style-src 'unsafe-inline'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src/);
    expect(docs.headers.get('x-frame-options')).toBe('DENY');
    expect(docs.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await docs.text();
    expect(html).not.toMatch(/<script|https?:\/\/(?!127\.0\.0\.1|api\.test)[a-z]/i);
  });
});
