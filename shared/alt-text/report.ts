import { ApiError } from '../errors/api-error.ts';
import { pagePath } from './keys.ts';
import { readPageRecord } from './proxy.ts';

/**
 * GET /v1/alt-text/report?page=<URL or path>: what was generated for a page,
 * so a site owner can review it (the same entries the rewrite applies, with
 * `data-alt-source="auto"` on the page).
 */
export interface AltReport {
  page: string;
  lang: string | null;
  updated: string;
  images: Array<{ src: string; context: string; alt: string | null; reason: string; source: string; confidence?: number; detail?: string }>;
}

/** The page's path and query, from a full URL (any host: the record is per path) or a path. */
export function reportedPage(raw: string | undefined, base: URL): string {
  if (!raw) throw new ApiError(400, 'invalid_request', 'Name the page: `?page=<URL or path of the page>`.', { field: 'page' });
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    throw new ApiError(400, 'invalid_request', '`page` must be a URL or a path.', { field: 'page' });
  }
  return pagePath(url);
}

export async function altReport(kv: KVNamespace, page: string): Promise<AltReport> {
  const record = await readPageRecord(kv, page);
  if (!record) throw new ApiError(404, 'not_found', `No alt text has been generated for ${page} yet: it is written after the page's first view through this proxy.`);
  return {
    page: record.page,
    lang: record.lang ?? null,
    updated: record.updated,
    images: Object.values(record.images).map(({ src, context, alt, reason, source, confidence, detail }) => ({
      src,
      context,
      alt,
      reason,
      source,
      ...(confidence !== undefined ? { confidence } : {}),
      ...(detail ? { detail } : {}),
    })),
  };
}
