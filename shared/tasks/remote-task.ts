import type { z } from '@hono/zod-openapi';
import { jsonCodec } from '../cache/result-cache.ts';
import { ApiError, type ProblemCode } from '../errors/api-error.ts';
import type { ServerTiming } from '../timing/server-timing.ts';
import type { ImageTask, ModelRef } from './image-task.ts';

/** The validated task parameters travel as JSON in this header; the body is the image. */
export const TASK_PARAMS_HEADER = 'x-task-params';

export const taskPath = (task: string): string => `/internal/tasks/${task}`;

/**
 * The same task with its models run in another Worker, reached through a
 * service binding. This Worker keeps ingestion, the cache and the shape of the
 * answer (so cache keys and responses are identical wherever a model runs);
 * the other one decodes and runs the models. Each isolate then holds the wasm
 * memory of one model family: OCR alone peaks at ~88 MiB of the 128 MB.
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
      const timing = c.get('timing');
      const request = new Request(`https://model-worker${taskPath(task.task)}`, {
        method: 'POST',
        body: image.bytes,
        headers: { 'content-type': 'application/octet-stream', [TASK_PARAMS_HEADER]: JSON.stringify(params) },
      });
      let response: Response;
      try {
        response = await worker.fetcher(c.env).fetch(request);
      } catch (error) {
        throw new ApiError(503, 'backend_unavailable', `The ${task.task} Worker (service binding ${worker.binding}) did not answer: ${String(error)}`);
      }
      mergeTiming(timing, task.task, response.headers.get('server-timing'));
      if (!response.ok) throw await remoteProblem(response, task.task);
      return codec.decode(await response.arrayBuffer());
    },
  };
}

/** A failure in the model Worker is passed on as it was answered there (same status and code). */
async function remoteProblem(response: Response, task: string): Promise<ApiError> {
  const text = await response.text();
  if (response.headers.get('content-type') === 'application/problem+json') {
    try {
      const { status, code, detail } = JSON.parse(text) as { status: number; code: ProblemCode; detail: string };
      return new ApiError(status, code, detail);
    } catch {
      // Not the problem shape we send: fall through to a gateway error.
    }
  }
  return new ApiError(502, 'model_failed', `The ${task} Worker answered ${response.status}: ${text.slice(0, 200)}`);
}

/** The model Worker's stages appear in this response's Server-Timing as `<task>.<stage>`. */
function mergeTiming(timing: ServerTiming, task: string, header: string | null): void {
  for (const entry of header?.split(',') ?? []) {
    const [name, ...fields] = entry.trim().split(';');
    const duration = fields.find((f) => f.startsWith('dur='));
    if (name && duration) timing.add(`${task}.${name}`, Number(duration.slice(4)) || 0);
  }
}
