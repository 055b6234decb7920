import type { ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ApiError, problemResponse, toApiError } from '../errors/api-error.ts';

/** The single place where failures become responses: always problem+json, never cached. */
export const onError: ErrorHandler = (error, c) => {
  let apiError: ApiError;
  if (error instanceof HTTPException) {
    apiError = new ApiError(error.status, error.status === 405 ? 'method_not_allowed' : 'invalid_request', error.message || 'Invalid request.');
  } else {
    apiError = toApiError(error);
  }
  if (apiError.status >= 500) {
    console.error(JSON.stringify({ event: 'request_failed', path: c.req.path, code: apiError.code, error: String(error) }));
  }
  return problemResponse(apiError);
};

export const onNotFound: NotFoundHandler = (c) =>
  problemResponse(new ApiError(404, 'not_found', `No route for ${c.req.method} ${c.req.path}. See /docs for the API.`));
