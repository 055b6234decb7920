import type { OpenAPIHono } from '@hono/zod-openapi';
import { jsonCodec } from '../cache/result-cache.ts';
import { ApiError } from '../errors/api-error.ts';
import type { AppEnv } from '../http/app-env.ts';
import { ingestImage } from '../ingest/ingest-image.ts';
import type { AnyImageTask } from './image-task.ts';
import { parseParams } from './params.ts';
import { TASK_PARAMS_HEADER, taskPath } from './remote-task.ts';

/**
 * The model Worker's side of `runInWorker`: POST /internal/tasks/<task> with
 * the image as the body runs the task's models and answers the result in the
 * task's cache encoding. No caching here: the calling Worker owns the cache.
 * Only service bindings reach these routes (the Worker has no public route).
 */
export function serveTasks(app: OpenAPIHono<AppEnv>, tasks: readonly AnyImageTask[]): void {
  for (const task of tasks) {
    const codec = task.codec ?? jsonCodec();
    app.post(taskPath(task.task), async (c) => {
      const timing = c.get('timing');
      const image = await ingestImage(c.req.raw, c.get('config'), timing);
      let raw: unknown;
      try {
        raw = JSON.parse(c.req.header(TASK_PARAMS_HEADER) ?? '{}');
      } catch {
        throw new ApiError(400, 'invalid_request', `${TASK_PARAMS_HEADER} is not JSON.`);
      }
      const params = parseParams(task.params, raw as Record<string, unknown>);
      const result = await task.run(c, image, params, task.model(params));
      return new Response(codec.encode(result), { headers: { 'content-type': 'application/octet-stream' } });
    });
  }
}
