import { exports } from 'cloudflare:workers';

/** Calls the Worker under test exactly as an HTTP client would. */
export function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`https://api.test${path}`, init));
}

export function postImage(path: string, bytes: Uint8Array, contentType = 'application/octet-stream'): Promise<Response> {
  return call(path, { method: 'POST', body: bytes, headers: { 'content-type': contentType } });
}

export function postJson(path: string, body: unknown): Promise<Response> {
  return call(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
}

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  field?: string;
}

/** Asserts the response is a problem+json with this status and code, and returns it. */
export async function expectProblem(response: Response, status: number, code: string): Promise<Problem> {
  const text = await response.text();
  if (response.status !== status || response.headers.get('content-type') !== 'application/problem+json') {
    throw new Error(`expected ${status} ${code} problem+json, got ${response.status} ${response.headers.get('content-type')}: ${text.slice(0, 300)}`);
  }
  const problem = JSON.parse(text) as Problem;
  if (problem.code !== code) throw new Error(`expected code ${code}, got ${problem.code}: ${problem.detail}`);
  if (response.headers.get('x-cache') !== null) throw new Error('an error response must not carry X-Cache');
  return problem;
}

export function hamming(a: string, b: string): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    let x = parseInt(a[i]!, 16) ^ parseInt(b[i]!, 16);
    for (; x; x >>= 1) d += x & 1;
  }
  return d;
}

/**
 * The same image with bytes appended after its end marker: still valid, same
 * pixels, a new SHA-256. Tests use it to get a cache entry of their own.
 */
export function uniqueCopy(bytes: Uint8Array, tag: string): Uint8Array {
  const suffix = new TextEncoder().encode(tag);
  const out = new Uint8Array(bytes.length + suffix.length);
  out.set(bytes);
  out.set(suffix, bytes.length);
  return out;
}

/** Cache writes land after the response (waitUntil): retry until the answer is a HIT. */
export async function untilHit(send: () => Promise<Response>): Promise<Response> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const response = await send();
    if (response.headers.get('x-cache') === 'HIT') return response;
    await response.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the result was never served from the cache');
}
