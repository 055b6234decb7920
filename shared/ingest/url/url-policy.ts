// TEMPORARY STUB written by the lead so the app compiles; helper-4 replaces this file.
import { ApiError } from '../../errors/api-error.ts';
export interface UrlPolicy { allowHttpOrigins: string[] }
export function checkImageUrl(raw: string, _policy: UrlPolicy): URL {
  throw new ApiError(400, 'url_not_allowed', `stub: ${raw}`);
}
