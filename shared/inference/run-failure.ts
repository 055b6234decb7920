import { ApiError } from '../errors/api-error.ts';

/**
 * A failed session run as the API answers it: 500 `model_failed` with the
 * runtime's reason. A model Worker's own problem (unreachable, not installed)
 * keeps its status and code. (Its own module: the Node-side golden tools run
 * task code that must not pull in the Worker's model store.)
 */
export function runFailure(model: string, error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(500, 'model_failed', `Model ${model} failed to run.`, { reason: String(error).slice(0, 200) });
}
