import type { z } from '@hono/zod-openapi';
import { ApiError } from '../errors/api-error.ts';

/**
 * Validates task parameters (query string, JSON or multipart fields) against
 * the route's schema, which is also what /openapi.json documents. Unknown
 * parameters are errors, never ignored guesses.
 */
export function parseParams<S extends z.ZodType>(schema: S, raw: Record<string, unknown>): z.infer<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const unknownKeys = issue.code === 'unrecognized_keys' ? (issue as { keys: string[] }).keys : [];
  const field = unknownKeys[0] ?? issue.path.join('.');
  const detail = unknownKeys.length
    ? `Unknown parameter${unknownKeys.length > 1 ? 's' : ''}: ${unknownKeys.map((k) => `\`${k}\``).join(', ')}.`
    : `Parameter \`${field}\`: ${issue.message}`;
  throw new ApiError(400, 'invalid_request', detail, { field });
}
