import type { Context } from 'hono';
import type { z } from '@hono/zod-openapi';
import { cacheKey, jsonCodec, type CacheCodec } from '../cache/result-cache.ts';
import type { AppEnv } from '../http/app-env.ts';
import { ingestImage, summarize, type IngestedImage } from '../ingest/ingest-image.ts';
import { parseParams } from './params.ts';

/**
 * What every image task shares: validate the parameters, answer from the
 * content-hash cache or compute and cache, and present the result. A task is
 * a plain object, so /v1/<task> and /v1/analyze run exactly the same code and
 * share cache entries.
 */
export interface ModelRef {
  id: string;
  version: string;
}

export interface ImageTask<S extends z.ZodType, R, M extends ModelRef> {
  task: string;
  params: S;
  /** The model that answers, chosen from the validated parameters. */
  model(params: z.infer<S>): M;
  /** Version of decode + preprocessing; part of the cache key. */
  preprocess: string;
  codec?: CacheCodec<R>;
  run(c: Context<AppEnv>, image: IngestedImage, params: z.infer<S>, model: M): Promise<R>;
  /** The parameters that change the computed result, for the cache key (default: all). */
  cacheParams?(params: z.infer<S>): Record<string, unknown>;
  /** The service binding of the Worker that runs this task's models, when not this one (see runInWorker). */
  worker?: string;
  /** Turns a computed or cached result into the response body (default: as is). */
  present?(c: Context<AppEnv>, result: R, params: z.infer<S>): object;
}

/** Any task, for code that runs several. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyImageTask = ImageTask<any, any, ModelRef>;

export interface TaskAnswer {
  body: object;
  model: string;
  hit: boolean;
}

export async function answerTask<S extends z.ZodType, R extends object, M extends ModelRef>(
  c: Context<AppEnv>,
  task: ImageTask<S, R, M>,
  image: IngestedImage,
  rawParams: Record<string, unknown>,
): Promise<TaskAnswer> {
  const timing = c.get('timing');
  const cache = c.get('cache');
  const params = parseParams(task.params, rawParams);
  const model = task.model(params);
  const modelName = `${model.id}@${model.version}`;
  const key = await cacheKey({
    sha256: image.sha256,
    task: task.task,
    model: modelName,
    preprocess: task.preprocess,
    params: task.cacheParams ? task.cacheParams(params) : (params as Record<string, unknown>),
  });
  const codec = task.codec ?? jsonCodec<R>();
  let result = await timing.measure('cache', () => cache.get(key, codec), 'read');
  const hit = result !== undefined;
  if (!result) {
    result = await task.run(c, image, params, model);
    cache.put(key, result, codec);
  }
  return { body: task.present ? task.present(c, result, params) : result, model: modelName, hit };
}

/** POST /v1/<task>: one image, one task. */
export async function runImageTask<S extends z.ZodType, R extends object, M extends ModelRef>(
  c: Context<AppEnv>,
  task: ImageTask<S, R, M>,
): Promise<Response> {
  const image = await ingestImage(c.req.raw, c.get('config'), c.get('timing'));
  const answer = await answerTask(c, task, image, image.params);
  return c.json({ ...answer.body, model: answer.model, image: summarize(image) }, 200, { 'x-cache': answer.hit ? 'HIT' : 'MISS' });
}
