import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { call, toBase64 } from '../support/client.ts';
import { scopeOf } from '../../shared/http/auth/api-key.ts';
import image from './seeds/cat-baseline.jpg?bytes';

/**
 * Property tests for the parameter schemas of every JSON route, read from
 * /openapi.json (the same zod schemas validate requests): random parameter
 * objects — documented names with arbitrary JSON values, unknown names,
 * nesting — sent as JSON and as query strings. Every answer is a 200, a 400
 * `invalid_request` naming a field that was sent, or a declared 503 (a model
 * that is not installed); never a 5xx crash.
 */
interface Operation {
  path: string;
  params: string[];
  takesImage: boolean;
}

interface OpenApi {
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } }>>;
}

async function jsonRoutes(): Promise<Operation[]> {
  const spec = (await (await call('/openapi.json')).json()) as OpenApi;
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(spec.paths)) {
    const properties = methods.post?.requestBody?.content?.['application/json']?.schema?.properties;
    // Collections need a D1 schema and GPU routes a backend: their own tests cover them.
    if (!properties || path.includes('{') || scopeOf(path) !== 'tasks') continue;
    const names = Object.keys(properties);
    // Routes that take one image with parameters beside it, and the text encoder.
    if (!names.includes('image') && path !== '/v1/embed/text') continue;
    operations.push({ path, params: names.filter((name) => name !== 'image'), takesImage: names.includes('image') });
  }
  return operations;
}

const DECLARED = new Set(['200 -', '400 invalid_request', '503 model_not_installed']);

function paramsFor(operation: Operation) {
  const name = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...(operation.params.length ? operation.params : ['top_k'])) },
    { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 12 }).filter((key) => key !== 'image' && key !== '__proto__') },
  );
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(0, -1, 1, 1e308, -0, 0.5, 101, 2 ** 53, '5', '', 'all', 'tags,objects', '{}', [], [''], ['a'.repeat(2000)], { porn: 2 }),
  );
  return fc.dictionary(name, value, { maxKeys: 4 });
}

async function answer(response: Response, sent: Record<string, unknown>, documented: string[]): Promise<string> {
  const text = await response.text();
  if (response.status === 200) return '200 -';
  const body = JSON.parse(text) as { code: string; field?: string };
  const outcome = `${response.status} ${body.code}`;
  if (outcome === '400 invalid_request' && body.field !== undefined && body.field !== '') {
    // The field named is one that was sent or a documented one (a required parameter left out), or a path inside it.
    const head = body.field.split('.')[0]!;
    expect([...Object.keys(sent), ...documented, 'image', 'body', ''].includes(head), `field ${body.field} for ${JSON.stringify(sent)}`).toBe(true);
  }
  return outcome;
}

describe('JSON parameter schemas: random parameters on every task route', async () => {
  const operations = await jsonRoutes();

  it('finds the task routes in /openapi.json', () => {
    expect(operations.map((o) => o.path)).toEqual(expect.arrayContaining(['/v1/classify', '/v1/detect', '/v1/analyze', '/v1/embed/text']));
  });

  for (const operation of operations) {
    it(`${operation.path}: 200, 400 naming the field, or a declared 503; never a crash`, { timeout: 120_000 }, async () => {
      const seen = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(paramsFor(operation), fc.boolean(), async (params, asQuery) => {
          let response: Response;
          if (asQuery && operation.takesImage) {
            const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
            response = await call(`${operation.path}?${query}`, { method: 'POST', body: image, headers: { 'content-type': 'image/jpeg' } });
          } else {
            const body = operation.takesImage ? { ...params, image: { base64: toBase64(image) } } : params;
            response = await call(operation.path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
          }
          const outcome = await answer(response, params, operation.params);
          seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
          expect(DECLARED, `${operation.path} ${JSON.stringify(params)} -> ${outcome}`).toContain(outcome);
        }),
        { numRuns: 40, seed: 20261117 },
      );
      // Both sides of the schema were reached: some parameter sets rejected, and the route still usable.
      expect(seen.get('400 invalid_request') ?? 0).toBeGreaterThan(0);
    });
  }
});
