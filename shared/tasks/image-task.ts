import type { Context } from 'hono';
import type { z } from '@hono/zod-openapi';
import { cacheKey, jsonCodec, type CacheCodec } from '../cache/result-cache.ts';
import type { AppEnv } from '../http/app-env.ts';
import { ingestImage, summarize, type IngestedImage } from '../ingest/ingest-image.ts';
import { parseParams } from './params.ts';

/**
 * The shape every image task route shares: ingest the image, validate the
 * parameters, answer from the content-hash cache or compute and cache, and
 * respond with `image`, `model`, `X-Cache` and `Server-Timing`.
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
  run(image: IngestedImage, params: z.infer<S>, model: M): Promise<R>;
  /** The parameters that change the computed result, for the cache key (default: all). */
  cacheParams?(params: z.infer<S>): Record<string, unknown>;
  /** Turns a computed or cached result into the response body (default: as is). */
  present?(result: R, params: z.infer<S>): object;
}

export async function runImageTask<S extends z.ZodType, R extends object, M extends ModelRef>(
  c: Context<AppEnv>,
  task: ImageTask<S, R, M>,
): Promise<Response> {
  const timing = c.get('timing');
  const cache = c.get('cache');
  const image = await ingestImage(c.req.raw, c.get('config'), timing);
  const params = parseParams(task.params, image.params);
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
    result = await task.run(image, params, model);
    cache.put(key, result, codec);
  }
  return c.json(
    { ...(task.present ? task.present(result, params) : result), model: modelName, image: summarize(image) },
    200,
    { 'x-cache': hit ? 'HIT' : 'MISS' },
  );
}
