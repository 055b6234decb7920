/**
 * The one exception type of the API. Every failure a client can cause or see
 * is thrown as an ApiError and turned into an RFC 9457 problem+json response
 * by `problemResponse`, so error shapes and codes stay stable across routes.
 */
export type ProblemCode =
  | 'empty_body'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'image_too_large'
  | 'corrupt_image'
  | 'url_not_allowed'
  | 'fetch_failed'
  | 'fetch_timeout'
  | 'invalid_request'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'model_not_installed'
  | 'model_failed'
  | 'backend_unavailable'
  | 'backend_failed'
  | 'backend_timeout'
  | 'content_blocked'
  | 'internal_error';

const TITLES: Record<ProblemCode, string> = {
  empty_body: 'Empty request body',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  image_too_large: 'Image too large',
  corrupt_image: 'Corrupt or truncated image',
  url_not_allowed: 'URL not allowed',
  fetch_failed: 'Could not fetch the image URL',
  fetch_timeout: 'Fetching the image URL timed out',
  invalid_request: 'Invalid request',
  unauthorized: 'Missing or invalid API key',
  forbidden: 'API key not allowed here',
  rate_limited: 'Too many requests',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  conflict: 'Conflict',
  model_not_installed: 'Model not installed',
  model_failed: 'Model failed',
  backend_unavailable: 'Backend unavailable',
  backend_failed: 'Backend failed',
  backend_timeout: 'Backend timed out',
  content_blocked: 'Withheld by the moderation policy',
  internal_error: 'Internal error',
};

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  [extension: string]: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: ProblemCode;
  readonly extensions: Record<string, unknown>;

  constructor(status: number, code: ProblemCode, detail: string, extensions: Record<string, unknown> = {}) {
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.extensions = extensions;
  }

  toProblem(): ProblemBody {
    return {
      type: `https://edge-vision.dev/problems/${this.code.replaceAll('_', '-')}`,
      title: TITLES[this.code],
      status: this.status,
      detail: this.message,
      code: this.code,
      ...this.extensions,
    };
  }
}

export function problemResponse(error: ApiError, headers: HeadersInit = {}): Response {
  const response = Response.json(error.toProblem(), { status: error.status, headers });
  response.headers.set('content-type', 'application/problem+json');
  response.headers.set('cache-control', 'no-store');
  return response;
}

/** Anything that is not an ApiError is a bug or a platform failure: never leak its message. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(500, 'internal_error', 'The server failed to process the request.');
}
