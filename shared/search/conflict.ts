import { ApiError } from '../errors/api-error.ts';

/** 409: the request contradicts what the collection already is (another embedding model). */
export const CONFLICT_CODE = 'conflict' as const;

export function conflict(detail: string, extensions: Record<string, unknown> = {}): ApiError {
  return new ApiError(409, CONFLICT_CODE, detail, extensions);
}
