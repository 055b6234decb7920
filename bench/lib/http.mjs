// One request to the Worker under test, timed from this process (loopback).
import { serverTiming } from './stats.mjs';

export async function post(origin, path, body, headers = { 'content-type': 'image/jpeg' }) {
  const start = performance.now();
  const response = await fetch(`${origin}${path}`, { method: 'POST', body, headers });
  const text = await response.text();
  const ms = performance.now() - start;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${text.slice(0, 300)}`);
  return { ms, text, stages: serverTiming(response.headers.get('server-timing')), cache: response.headers.get('x-cache') };
}

export async function health(origin) {
  const response = await fetch(`${origin}/healthz`);
  if (!response.ok) throw new Error(`/healthz: ${response.status}`);
  return response.json();
}
