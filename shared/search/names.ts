import { ApiError } from '../errors/api-error.ts';

/**
 * Collection names and item ids travel in URL paths, D1 keys and Vectorize
 * namespaces, so they are held to one safe alphabet: no slashes, spaces,
 * percent-escapes or Unicode look-alikes to normalise.
 */
export const NAME_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

export function checkName(value: string, field: 'name' | 'id'): string {
  if (!NAME_PATTERN.test(value)) {
    const what = field === 'name' ? 'Collection names' : 'Item ids';
    throw new ApiError(400, 'invalid_request', `${what} must match ${NAME_PATTERN.source} (1 to 128 letters, digits, '.', '_' or '-').`, { field });
  }
  return value;
}
