// TEMPORARY STUB written by the lead so the app compiles; helper-4 replaces this file.
import type { UrlPolicy } from './url-policy.ts';
export async function fetchImageUrl(_url: URL, _opts: { policy: UrlPolicy; timeoutMs: number; maxBytes: number; maxRedirects: number }): Promise<{ bytes: Uint8Array; finalUrl: string; contentType: string | null }> {
  throw new Error('stub');
}
