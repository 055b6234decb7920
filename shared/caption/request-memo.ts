import type { Context } from 'hono';
import type { z } from '@hono/zod-openapi';
import type { AppEnv } from '../http/app-env.ts';
import type { IngestedImage } from '../ingest/ingest-image.ts';
import { answerTask, type ImageTask, type ModelRef, type TaskAnswer } from '../tasks/image-task.ts';

/**
 * answerTask, at most once per request for the same task and parameters.
 * /v1/analyze with `caption` asks for tags, objects and text twice (its own
 * sections and the edge caption's): the second ask awaits the first instead
 * of running the model again (the cache write of the first lands only after
 * the response, so the cache alone would not catch it).
 */
const perRequest = new WeakMap<Request, Map<string, Promise<TaskAnswer>>>();

export function answerOnce<S extends z.ZodType, R extends object, M extends ModelRef>(
  c: Context<AppEnv>,
  task: ImageTask<S, R, M>,
  image: IngestedImage,
  rawParams: Record<string, unknown>,
): Promise<TaskAnswer> {
  let answers = perRequest.get(c.req.raw);
  if (!answers) {
    answers = new Map();
    perRequest.set(c.req.raw, answers);
  }
  const key = `${task.task}\u0000${JSON.stringify(rawParams)}`;
  let answer = answers.get(key);
  if (!answer) {
    answer = answerTask(c, task, image, rawParams);
    answers.set(key, answer);
  }
  return answer;
}
