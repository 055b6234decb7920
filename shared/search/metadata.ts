import { ApiError } from '../errors/api-error.ts';

/**
 * Item metadata: a flat JSON object of strings, numbers and booleans, at most
 * 1 KB serialised. Flat because both engines filter on top-level keys by
 * exact match, and Vectorize filters only on indexed top-level (or dotted)
 * properties of those types; a shape D1 could store but Vectorize could not
 * filter would make the engines answer differently.
 */
export type MetadataValue = string | number | boolean;
export type Metadata = Record<string, MetadataValue>;

export const MAX_METADATA_BYTES = 1024;
/** Vectorize reserves '.' (nesting) and a leading '$' (operators) in filter keys; the system fields live under `_item`. */
export const METADATA_KEY = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** Vectorize allows at most 10 metadata indexes, so no filter can usefully name more keys. */
export const MAX_FILTER_KEYS = 10;

/** Query strings and multipart fields carry JSON as text. */
function fromJsonText(raw: unknown, field: string): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    throw new ApiError(400, 'invalid_request', `\`${field}\` is not valid JSON.`, { field });
  }
}

function checkFlatObject(value: unknown, field: string): Metadata {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ApiError(400, 'invalid_request', `\`${field}\` must be a JSON object.`, { field });
  }
  for (const [key, v] of Object.entries(value)) {
    if (!METADATA_KEY.test(key)) {
      throw new ApiError(400, 'invalid_request', `\`${field}\` key \`${key}\` must match ${METADATA_KEY.source}.`, { field: `${field}.${key}` });
    }
    const ok = typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
    if (!ok) {
      throw new ApiError(400, 'invalid_request', `\`${field}.${key}\` must be a string, a finite number or a boolean.`, { field: `${field}.${key}` });
    }
  }
  return value as Metadata;
}

export function parseMetadata(raw: unknown, field = 'metadata'): Metadata {
  if (raw === undefined) return {};
  const metadata = checkFlatObject(fromJsonText(raw, field), field);
  const bytes = new TextEncoder().encode(JSON.stringify(metadata)).byteLength;
  if (bytes > MAX_METADATA_BYTES) {
    throw new ApiError(400, 'invalid_request', `\`${field}\` is ${bytes} bytes serialised; the limit is ${MAX_METADATA_BYTES}.`, { field });
  }
  return metadata;
}

/** An exact-match filter on top-level metadata keys, e.g. {"album": "2024"}; every key must match. */
export function parseFilter(raw: unknown): Metadata | undefined {
  if (raw === undefined) return undefined;
  const filter = checkFlatObject(fromJsonText(raw, 'filter'), 'filter');
  const keys = Object.keys(filter).length;
  if (keys === 0 || keys > MAX_FILTER_KEYS) {
    throw new ApiError(400, 'invalid_request', `\`filter\` must name 1 to ${MAX_FILTER_KEYS} metadata keys.`, { field: 'filter' });
  }
  return filter;
}
