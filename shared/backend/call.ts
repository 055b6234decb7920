import type { Context } from 'hono';
import { cacheKey, jsonCodec } from '../cache/result-cache.ts';
import { ApiError } from '../errors/api-error.ts';
import type { AppEnv } from '../http/app-env.ts';
import type { IngestedImage } from '../ingest/ingest-image.ts';
import { breakerFor } from './breaker.ts';
import { coalesce } from './coalesce.ts';
import { readBackendConfig, type BackendConfig, type BackendVars, type HeavyTask } from './config.ts';
import { Deadline, sleep } from './deadline.ts';
import { BackendFailure, countsAgainstBackend, toApiError } from './failure.ts';
import { selectBackend } from './select.ts';
import type { Backend, BackendImage, BackendModel } from './types.ts';
import { logBackendCall } from './usage.ts';

/**
 * How every heavy task reaches the GPU backend, whichever backend it is:
 *
 *   KV cache (content hash + task + model + params) -> coalesce identical
 *   in-flight calls -> circuit breaker -> attempts within the time budget,
 *   retrying only what is safe -> validated answer -> cache.
 *
 * Failures are never cached and leave as ApiError: 503 backend_unavailable
 * (none configured, model loading past the budget, circuit open), 504
 * backend_timeout, 502 backend_failed (HTTP errors, malformed answers).
 */
export interface BackendJob<T> {
  task: HeavyTask;
  /** The parameters that change the backend's answer (part of the cache key), given the model that will answer. */
  params(model: BackendModel): Record<string, unknown>;
  invoke(backend: Backend, image: BackendImage, signal: AbortSignal): Promise<T>;
}

export interface BackendAnswer<T> {
  result: T;
  hit: boolean;
  model: BackendModel;
}

/** Bumped when what is sent to backends changes (e.g. if images start being downscaled first). */
const BACKEND_PREPROCESS = 'b1';
/** An attempt needs at least this long to be worth starting after a wait. */
const MIN_ATTEMPT_MS = 250;
const MAX_LOADING_WAITS = 3;
const MAX_CONNECTION_RETRIES = 2;

const MIME: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif' };

export function backendImage(image: IngestedImage): BackendImage {
  return { bytes: image.bytes, mime: MIME[image.info.format] ?? 'application/octet-stream', width: image.info.width, height: image.info.height };
}

export function backendConfig(c: Context<AppEnv>): BackendConfig {
  return readBackendConfig(c.env as unknown as BackendVars);
}

/** The configured backend and its model for a task, or the 503 that says why there is none. */
export function resolveBackend(c: Context<AppEnv>, task: HeavyTask): { config: BackendConfig; backend: Backend; model: BackendModel } {
  const config = backendConfig(c);
  const backend = selectBackend(config);
  if (!backend) {
    throw new ApiError(503, 'backend_unavailable', `No GPU backend is configured (BACKEND = "none"); ${task} needs one. See "GPU backend" in the README.`);
  }
  const model = backend.model(task);
  if (!model) {
    const how = backend.kind === 'hf' ? hfHint(task) : 'add the AI binding ([ai] in wrangler.toml)';
    throw new ApiError(503, 'backend_unavailable', `The ${backend.kind} backend has no model configured for ${task}: ${how}.`);
  }
  return { config, backend, model };
}

function hfHint(task: HeavyTask): string {
  if (task === 'detect') return 'set HF_DETECT_URL and HF_DETECT_MODEL';
  return `set HF_${task.toUpperCase()}_URL and HF_${task.toUpperCase()}_MODEL, or HF_CHAT_MODEL (and HF_CHAT_URL) for a vision chat model`;
}

export async function answerFromBackend<T>(c: Context<AppEnv>, image: IngestedImage, job: BackendJob<T>): Promise<BackendAnswer<T>> {
  const { config, backend, model } = resolveBackend(c, job.task);
  const timing = c.get('timing');
  const cache = c.get('cache');
  const codec = jsonCodec<T>();
  const key = await cacheKey({ sha256: image.sha256, task: job.task, model: model.source, preprocess: BACKEND_PREPROCESS, params: job.params(model) });
  const cached = await timing.measure('cache', () => cache.get(key, codec), 'read');
  if (cached !== undefined) return { result: cached, hit: true, model };

  const deadline = new Deadline(config.budgetMs);
  const { promise, leader } = coalesce(key, async () => {
    const result = await callWithPolicy(config, backend, model, job, backendImage(image), deadline);
    cache.put(key, result, codec);
    return result;
  });
  try {
    // Followers wait no longer than their own budget, whatever the leader does.
    const result = await timing.measure(
      'backend',
      () => deadline.race(promise, () => new BackendFailure('timeout', 'no answer within the time budget.')),
      leader ? model.source : `${model.source} (shared call)`,
    );
    return { result, hit: false, model };
  } catch (error) {
    if (error instanceof BackendFailure) throw toApiError(error, model.source);
    throw error;
  }
}

/** Wait before the next attempt, or undefined when this failure is final. */
function retryWait(failure: BackendFailure, attempt: number, remainingMs: number): number | undefined {
  if (failure.outcome === 'loading' && attempt <= MAX_LOADING_WAITS) {
    // Honour the backend's estimate; when it does not fit the budget, answer 503 now with retry_after.
    const wait = Math.max(50, (failure.retryAfterS ?? 1) * 1000);
    return wait + MIN_ATTEMPT_MS <= remainingMs ? wait : undefined;
  }
  if (failure.outcome === 'connection' && attempt <= MAX_CONNECTION_RETRIES) {
    // A reset before any answer: inference has no side effects, so sending again is safe.
    const wait = 100 * 2 ** (attempt - 1) + Math.random() * 50;
    return wait + MIN_ATTEMPT_MS <= remainingMs ? wait : undefined;
  }
  return undefined;
}

async function callWithPolicy<T>(config: BackendConfig, backend: Backend, model: BackendModel, job: BackendJob<T>, image: BackendImage, deadline: Deadline): Promise<T> {
  const breaker = breakerFor(`${model.source} ${model.endpoint}`, { failures: config.breakerFailures, cooldownMs: config.breakerCooldownMs });
  const host = model.endpoint.startsWith('http') ? new URL(model.endpoint).host : model.endpoint;
  const log = (outcome: string, attempt: number, latency: number, status?: number) =>
    logBackendCall({ backend: backend.kind, model: model.model, task: job.task, outcome, attempt, latency_ms: Math.round(latency), host, bytes_in: attempt ? image.bytes.byteLength : 0, ...(status ? { status } : {}) });

  const admission = breaker.admit();
  if (!admission.admitted) {
    log('circuit_open', 0, 0);
    throw new BackendFailure('circuit_open', `calls are paused after repeated failures; the next try is in ${Math.ceil(admission.retryInMs / 1000)} s.`, {
      retryAfterS: admission.retryInMs / 1000,
    });
  }
  for (let attempt = 1; ; attempt++) {
    const started = Date.now();
    if (deadline.remaining() <= 0) {
      breaker.neutral();
      throw new BackendFailure('timeout', 'no answer within the time budget.');
    }
    try {
      const result = await job.invoke(backend, image, deadline.signal());
      log('ok', attempt, Date.now() - started);
      breaker.record('ok', Date.now() - started);
      breaker.success();
      return result;
    } catch (error) {
      if (!(error instanceof BackendFailure)) {
        breaker.neutral();
        throw error;
      }
      log(error.outcome, attempt, Date.now() - started, error.status);
      breaker.record(error.outcome, Date.now() - started);
      const wait = retryWait(error, attempt, deadline.remaining());
      if (wait !== undefined) {
        await sleep(wait);
        continue;
      }
      if (countsAgainstBackend(error)) breaker.failure();
      else breaker.neutral();
      throw error;
    }
  }
}
