import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { inject } from 'vitest';
import { createApp } from '../../functions/api/app.ts';
import { sha256Hex } from '../../shared/hash/sha256.ts';
import { uniqueCopy } from '../support/client.ts';

/**
 * Helpers for the GPU-backend tests (caption, vqa, detect-gpu, backend): the
 * fake HF server's origin and call counts, images that script its faults, and
 * calls to the Worker with some vars overridden (e.g. BACKEND = "none").
 */
export const fakeHfOrigin = inject('fakeHfOrigin');

let counter = 0;

/** A copy of `bytes` with its own hash whose backend answers follow `steps` (see test/support/fake-hf-server.ts). */
export function scripted(bytes: Uint8Array, ...steps: string[]): Uint8Array {
  counter++;
  return uniqueCopy(bytes, `#${Date.now()}-${counter}-${Math.random()} fake-hf:${(steps.length ? steps : ['ok']).join(',')};`);
}

/** How many calls each route of the fake server got for this image: {caption, detr, vqa, chat}. */
export async function backendCalls(bytes: Uint8Array): Promise<Record<string, number>> {
  const response = await fetch(`${fakeHfOrigin}/_calls?sha256=${await sha256Hex(bytes)}`);
  return (await response.json()) as Record<string, number>;
}

/** Calls the Worker as a client would, with these vars/bindings in place of the test configuration's. */
export async function callWith(overrides: Record<string, unknown>, path: string, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await createApp().fetch(new Request(`https://api.test${path}`, init), { ...(env as object), ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

export function postImageWith(overrides: Record<string, unknown>, path: string, bytes: Uint8Array): Promise<Response> {
  return callWith(overrides, path, { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
}

/** Collects the structured `backend_call` log lines written while `work` runs. */
export async function backendLog<T>(work: () => Promise<T>): Promise<{ result: T; lines: Array<Record<string, unknown>>; raw: string[] }> {
  const raw: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => {
    raw.push(args.map(String).join(' '));
    original(...args);
  };
  try {
    const result = await work();
    const lines = raw.flatMap((line) => {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        return parsed.event === 'backend_call' ? [parsed] : [];
      } catch {
        return [];
      }
    });
    return { result, lines, raw };
  } finally {
    console.log = original;
  }
}

/**
 * Vars giving each test its own model ids, so its failures open only its own
 * circuit breakers (breakers are per model endpoint and per isolate, and the
 * tests of a file share an isolate).
 */
export function ownModels(name: string, extra: Record<string, string> = {}): Record<string, string> {
  const tag = `${name}-${Math.random().toString(36).slice(2, 8)}`;
  return {
    HF_CAPTION_MODEL: `fake/blip-${tag}`,
    HF_VQA_MODEL: `fake/vilt-${tag}`,
    HF_DETECT_MODEL: `fake/detr-${tag}`,
    HF_CHAT_MODEL: `fake/chat-${tag}`,
    ...extra,
  };
}
