import { describe, expect, it } from 'vitest';
import { call } from '../support/client.ts';

describe('service surface', () => {
  it('answers /healthz', async () => {
    const response = await call('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', isolate: { ort_wasm_bytes: expect.any(Number), models: expect.any(Array) } });
  });

  it('lists models with id, version, task, installed and licence', async () => {
    const response = await call('/v1/models');
    const body = (await response.json()) as { models: Array<Record<string, unknown>> };
    expect(body.models.length).toBeGreaterThan(0);
    for (const model of body.models) {
      expect(Object.keys(model)).toEqual(expect.arrayContaining(['id', 'version', 'task', 'installed', 'licence']));
    }
  });

  it('serves an OpenAPI 3.1 document that describes the image routes', async () => {
    const response = await call('/openapi.json');
    const spec = (await response.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(spec.openapi).toBe('3.1.0');
    expect(spec.paths['/v1/inspect']?.post).toBeDefined();
    expect(Object.keys((spec.paths['/v1/inspect']!.post as { requestBody: { content: object } }).requestBody.content)).toEqual(
      expect.arrayContaining(['image/*', 'multipart/form-data', 'application/json']),
    );
  });

  it('serves a docs page with security headers', async () => {
    const response = await call('/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await response.text()).toContain('/v1/inspect');
  });

  it('answers unknown routes with problem+json', async () => {
    const response = await call('/nope');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(((await response.json()) as { code: string }).code).toBe('not_found');
  });
});
