import { describe, expect, inject, it } from 'vitest';
import { call, toBase64 } from '../support/client.ts';
import cat from '../fixtures/photos/cat-chelsea.jpg?bytes';
import { sha256Hex } from '../../shared/hash/sha256.ts';
import { fuzzCase, MUTATOR_NAMES, type FuzzCase } from './mutate.ts';
import { CRASHERS, SEEDS } from './seeds.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    fuzzIterations: number;
    fuzzSeed: number;
  }
}

/** `npm test` runs a short pass; `npm run fuzz` a long one (FUZZ_ITERATIONS, FUZZ_SEED; vitest.config.ts). */
const ITERATIONS = inject('fuzzIterations');
const RUN_SEED = inject('fuzzSeed');
/** No single answer may take longer than this (the images are at most ~20 KB, a few kilopixels). */
const REQUEST_BUDGET_MS = 5000;
/** The codes a bad image may be answered with. */
const CLIENT_CODES = new Set(['corrupt_image', 'unsupported_media_type', 'image_too_large', 'payload_too_large', 'empty_body', 'invalid_request']);

interface Sent {
  route: string;
  transport: 'raw' | 'multipart' | 'json';
}

/** Mostly the cheap path (ingest, probe, decode, hash); every 10th case through a model too. */
function routeFor(index: number): Sent {
  const route = index % 50 === 13 ? '/v1/detect' : index % 50 === 27 ? '/v1/faces' : index % 10 === 3 ? '/v1/classify' : '/v1/inspect';
  const transport = index % 20 === 7 ? 'multipart' : index % 20 === 11 ? 'json' : 'raw';
  return { route, transport };
}

function send(bytes: Uint8Array, { route, transport }: Sent): Promise<Response> {
  if (transport === 'multipart') {
    const form = new FormData();
    form.set('image', new Blob([bytes]), 'upload');
    return call(route, { method: 'POST', body: form });
  }
  if (transport === 'json') {
    return call(route, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image: { base64: toBase64(bytes) } }) });
  }
  return call(route, { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
}

/** Every number finite, nothing null: a NaN score serialises as null. */
function wellFormed(value: unknown, path = ''): string | undefined {
  if (value === null) return `${path} is null`;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path} is ${value}`;
  if (Array.isArray(value)) return value.map((v, i) => wellFormed(v, `${path}[${i}]`)).find(Boolean);
  if (typeof value === 'object') return Object.entries(value).map(([k, v]) => wellFormed(v, `${path}.${k}`)).find(Boolean);
  return undefined;
}

interface Outcome {
  status: number;
  code: string;
  ms: number;
  failure?: string;
}

async function judge(fuzz: Pick<FuzzCase, 'bytes'>, sent: Sent): Promise<Outcome> {
  const started = Date.now();
  let response: Response;
  let text: string;
  // A request that never settles is the worst answer: race it against the budget (and a margin) so a hang is reported, not waited out.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<'hang'>((resolve) => {
    timer = setTimeout(() => resolve('hang'), REQUEST_BUDGET_MS * 2);
  });
  try {
    const answered = await Promise.race([
      (async () => {
        const r = await send(fuzz.bytes, sent);
        return { r, t: await r.text() };
      })(),
      hang,
    ]);
    if (answered === 'hang') return { status: 0, code: 'hang', ms: Date.now() - started, failure: `no answer within ${REQUEST_BUDGET_MS * 2} ms (a hang)` };
    response = answered.r;
    text = answered.t;
  } catch (error) {
    return { status: 0, code: 'threw', ms: Date.now() - started, failure: `the Worker call threw: ${String(error)}` };
  } finally {
    clearTimeout(timer);
  }
  const ms = Date.now() - started;
  const outcome: Outcome = { status: response.status, code: 'ok', ms };
  if (ms > REQUEST_BUDGET_MS) return { ...outcome, failure: `answered in ${ms} ms, over the ${REQUEST_BUDGET_MS} ms budget` };
  if (response.status === 200) {
    let body: { image?: { sha256?: string; width?: number; height?: number } };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      return { ...outcome, failure: `200 with a body that is not JSON: ${text.slice(0, 120)}` };
    }
    const problem = wellFormed(body);
    if (problem) return { ...outcome, failure: `200 with a malformed result: ${problem}` };
    if (body.image?.sha256 !== (await sha256Hex(fuzz.bytes))) return { ...outcome, failure: '200 naming another image' };
    if (!(Number(body.image.width) > 0 && Number(body.image.height) > 0)) return { ...outcome, failure: `200 with size ${body.image.width}x${body.image.height}` };
    return outcome;
  }
  let code = 'unparsed';
  try {
    code = (JSON.parse(text) as { code: string }).code;
  } catch {
    // reported below
  }
  outcome.code = code;
  if (response.status >= 500) return { ...outcome, failure: `${response.status} ${code}: ${text.slice(0, 200)}` };
  if (response.headers.get('content-type') !== 'application/problem+json') return { ...outcome, failure: `${response.status} without problem+json` };
  if (!CLIENT_CODES.has(code)) return { ...outcome, failure: `${response.status} with unexpected code ${code}` };
  if (response.status < 400 || response.status >= 500) return { ...outcome, failure: `status ${response.status}` };
  return outcome;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

describe(`fuzz: mutated JPEG, PNG, WebP and GIF through ingestion (${ITERATIONS} cases, seed ${RUN_SEED})`, () => {
  it('every seed is accepted unmutated (the mutations start from valid files), and the models are loaded', async () => {
    for (const seed of SEEDS) {
      const response = await send(seed.bytes, { route: '/v1/inspect', transport: 'raw' });
      expect(response.status, seed.name).toBe(200);
      await response.arrayBuffer();
    }
    // Warm models: this loop explores decoders and routes; what a bad image does to a cold
    // model load is regressions.test.ts's case (a load cut off by an early 422 once hung the model).
    for (const route of ['/v1/classify', '/v1/detect', '/v1/faces']) {
      const response = await send(cat, { route, transport: 'raw' });
      expect(response.status, route).toBe(200);
      await response.arrayBuffer();
    }
  });

  it('answers every mutation with 4xx problem+json or a valid result, never 5xx, within the time budget', { timeout: Math.max(60_000, ITERATIONS * 500) }, async () => {
    const failures: string[] = [];
    const byAnswer = new Map<string, number>();
    const byMutator = new Map<string, { cases: number; accepted: number }>(MUTATOR_NAMES.map((name) => [name, { cases: 0, accepted: 0 }]));
    const times: number[] = [];
    const started = Date.now();
    for (let index = 0; index < ITERATIONS; index++) {
      const fuzz = fuzzCase(SEEDS, RUN_SEED, index);
      const sent = routeFor(index);
      const outcome = await judge(fuzz, sent);
      times.push(outcome.ms);
      const answer = `${outcome.status} ${outcome.code}`;
      byAnswer.set(answer, (byAnswer.get(answer) ?? 0) + 1);
      for (const step of fuzz.steps) {
        const stats = byMutator.get(step.split(':')[0]!);
        if (stats) {
          stats.cases++;
          if (outcome.status === 200) stats.accepted++;
        }
      }
      if (outcome.failure) {
        failures.push(
          `case ${index} (${fuzz.seed} via ${sent.route} ${sent.transport}; ${fuzz.steps.join('; ')}): ${outcome.failure}\n` +
            `  save it: node_modules/.bin/node --experimental-strip-types test/fuzz/save-case.ts ${RUN_SEED} ${index}`,
        );
        if (failures.length >= 20) break;
      }
    }
    const elapsed = Date.now() - started;
    times.sort((a, b) => a - b);
    console.log(
      [
        `fuzz: ${times.length} cases, seed ${RUN_SEED}, ${SEEDS.length} seeds, ${(elapsed / 1000).toFixed(1)} s (${((times.length / elapsed) * 1000).toFixed(0)} cases/s)`,
        `  per case: p50 ${percentile(times, 50)} ms, p95 ${percentile(times, 95)} ms, p99 ${percentile(times, 99)} ms, max ${times.at(-1)} ms`,
        `  answers: ${[...byAnswer].sort((a, b) => b[1] - a[1]).map(([answer, n]) => `${answer} x${n}`).join(', ')}`,
        `  mutators (cases / still a valid image): ${[...byMutator].map(([name, s]) => `${name} ${s.cases}/${s.accepted}`).join(', ')}`,
      ].join('\n'),
    );
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('replays committed crashers: each answered 4xx problem+json or a valid 200', async () => {
    for (const crasher of CRASHERS) {
      for (const route of ['/v1/inspect', '/v1/classify']) {
        const outcome = await judge(crasher, { route, transport: 'raw' });
        expect(outcome.failure, `${crasher.name} via ${route}`).toBeUndefined();
      }
    }
  });

  it('keeps serving afterwards: health, and a real photo classified correctly', async () => {
    const health = await call('/healthz');
    expect(health.status).toBe(200);
    const { isolate } = (await health.json()) as { isolate: { ort_wasm_bytes: number } };
    expect(isolate.ort_wasm_bytes).toBeLessThan(128 * 1024 * 1024);
    for (const route of ['/v1/inspect', '/v1/classify', '/v1/detect', '/v1/faces']) {
      const outcome = await judge({ bytes: cat }, { route, transport: 'raw' });
      expect(outcome.failure, route).toBeUndefined();
      expect(outcome.status, route).toBe(200);
    }
    const response = await call('/v1/classify', { method: 'POST', body: cat });
    const { labels } = (await response.json()) as { labels: Array<{ label: string }> };
    expect(labels[0]!.label).toMatch(/cat/);
  });
});
