import type { z } from '@hono/zod-openapi';
import { jsonCodec } from '../cache/result-cache.ts';
import { callWorker } from '../runtime/service-call.ts';
import type { ImageTask, ModelRef } from './image-task.ts';

/** The validated task parameters travel as JSON in this header; the body is the image. */
export const TASK_PARAMS_HEADER = 'x-task-params';

export const taskPath = (task: string): string => `/internal/tasks/${task}`;

/**
 * The same task with its models run in another Worker, reached through a
 * service binding. This Worker keeps ingestion, the cache and the shape of the
 * answer (so cache keys and responses are identical wherever a model runs);
 * the other one decodes and runs the models. Each isolate then holds the wasm
 * memory of one model family: OCR alone peaks at ~91 MiB of the 128 MB.
 */
export function runInWorker<S extends z.ZodType, R, M extends ModelRef>(
  task: ImageTask<S, R, M>,
  worker: { binding: string; fetcher: (env: Env) => Fetcher },
): ImageTask<S, R, M> {
  const codec = task.codec ?? jsonCodec<R>();
  return {
    ...task,
    worker: worker.binding,
    async run(c, image, params) {
      const request = new Request(`https://model-worker${taskPath(task.task)}`, {
        method: 'POST',
        body: image.bytes,
        headers: { 'content-type': 'application/octet-stream', [TASK_PARAMS_HEADER]: JSON.stringify(params) },
      });
      const response = await callWorker(worker.fetcher(c.env), request, {
        binding: worker.binding,
        what: `The ${task.task} Worker`,
        timing: c.get('timing'),
        prefix: task.task,
      });
      return codec.decode(await response.arrayBuffer());
    },
  };
}
