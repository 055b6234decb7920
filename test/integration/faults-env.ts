import { env } from 'cloudflare:workers';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import worker from '../../functions/api/index.ts';

/**
 * The Worker called as a client would, with some bindings replaced for this
 * request only (a failing KV, a broken model store): how the fault tests
 * inject faults. `settled` resolves when the request's waitUntil work (cache
 * writes) has finished; the response itself does not wait for it.
 */
export function sendWith(overrides: Partial<Env>, path: string, init: RequestInit = {}): { response: Promise<Response>; settled: Promise<void> } {
  const ctx = createExecutionContext();
  const response = Promise.resolve(worker.fetch(new Request(`https://api.test${path}`, init), { ...env, ...overrides }, ctx));
  const settled = response.then(() => waitOnExecutionContext(ctx));
  return { response, settled };
}

/** The same, waiting for the request's deferred work too. */
export async function send(overrides: Partial<Env>, path: string, init: RequestInit = {}): Promise<Response> {
  const { response, settled } = sendWith(overrides, path, init);
  const answered = await response;
  await settled;
  return answered;
}

export const postBytes = (bytes: Uint8Array): RequestInit => ({ method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } });

/** A KV namespace whose reads and writes go wrong in a chosen way, and are counted. */
export function faultyKv(fault: { get?: 'reject' | 'throw' | 'garbage' | number; put?: 'reject' | 'throw' | number }) {
  const calls = { get: 0, put: 0 };
  const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const kv = {
    get(key: string, type?: unknown) {
      calls.get++;
      if (fault.get === 'throw') throw new Error('KV get threw');
      if (fault.get === 'reject') return Promise.reject(new Error('KV get failed: 503 from storage'));
      if (fault.get === 'garbage') return Promise.resolve(new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0, 1, 2]).buffer);
      if (typeof fault.get === 'number') return delay(fault.get).then(() => env.CACHE.get(key, type as 'arrayBuffer'));
      return env.CACHE.get(key, type as 'arrayBuffer');
    },
    put(key: string, value: ArrayBuffer | string, options?: KVNamespacePutOptions) {
      calls.put++;
      if (fault.put === 'throw') throw new Error('KV put threw');
      if (fault.put === 'reject') return Promise.reject(new Error('KV put failed: 429 too many writes'));
      if (typeof fault.put === 'number') return delay(fault.put).then(() => env.CACHE.put(key, value, options));
      return env.CACHE.put(key, value, options);
    },
  };
  return { kv: kv as unknown as KVNamespace, calls };
}

/** Cache entries written for an image (keys carry its SHA-256). */
export async function cacheEntriesFor(sha256: string): Promise<string[]> {
  const listed = await env.CACHE.list();
  return listed.keys.map((key) => key.name).filter((name) => name.includes(sha256));
}
