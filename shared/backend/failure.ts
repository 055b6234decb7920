import { ApiError } from '../errors/api-error.ts';

/**
 * How one backend attempt ended, when it did not end well. Internal to
 * shared/backend: retry and breaker decisions read `outcome`, and
 * `toApiError` turns it into the problem the client sees before it leaves
 * this folder, so routes only ever see ApiError.
 */
export type FailureOutcome =
  /** 503 with `estimated_time`: the model is being loaded (a cold endpoint). Retried within the budget. */
  | 'loading'
  /** 503 without an estimate, or 429: the backend refuses work for now. */
  | 'unavailable'
  /** The budget ran out. */
  | 'timeout'
  /** The connection failed or was reset before an answer. Retried within the budget. */
  | 'connection'
  /** Any other HTTP error (500, 502, 401...). */
  | 'http_error'
  /** An answer that is not JSON or not the protocol's shape, sizes, labels or box ranges. */
  | 'malformed'
  /** The circuit breaker is open: the backend was not called. */
  | 'circuit_open';

export class BackendFailure extends Error {
  readonly outcome: FailureOutcome;
  readonly status: number | undefined;
  /** Seconds after which trying again makes sense, when known. */
  readonly retryAfterS: number | undefined;

  constructor(outcome: FailureOutcome, detail: string, options: { status?: number; retryAfterS?: number } = {}) {
    super(detail);
    this.name = 'BackendFailure';
    this.outcome = outcome;
    this.status = options.status;
    this.retryAfterS = options.retryAfterS;
  }
}

/** Whether a failure says something about the backend's health (a warming model does not). */
export function countsAgainstBackend(failure: BackendFailure): boolean {
  return failure.outcome !== 'loading' && failure.outcome !== 'circuit_open';
}

export function toApiError(failure: BackendFailure, source: string): ApiError {
  const extensions: Record<string, unknown> = { source };
  if (failure.retryAfterS !== undefined) extensions.retry_after = Math.max(1, Math.ceil(failure.retryAfterS));
  switch (failure.outcome) {
    case 'loading':
    case 'unavailable':
    case 'circuit_open':
      return new ApiError(503, 'backend_unavailable', `${source}: ${failure.message}`, extensions);
    case 'timeout':
      return new ApiError(504, 'backend_timeout', `${source}: ${failure.message}`, extensions);
    default:
      return new ApiError(502, 'backend_failed', `${source}: ${failure.message}`, extensions);
  }
}
