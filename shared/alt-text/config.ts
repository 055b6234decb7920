import { ApiError } from '../errors/api-error.ts';

/**
 * The alt-text proxy's settings (functions/alt-text/wrangler.toml [vars]),
 * read and checked per request: a missing or malformed ORIGIN fails loudly
 * with a problem+json instead of proxying somewhere unintended.
 */
export type ImagePolicy = 'pass' | 'placeholder' | 'block';

export interface AltTextConfig {
  /** The proxied site's origin, e.g. `https://www.example.com` or `http://127.0.0.1:8080`. */
  origin: URL;
  imageUrlTtlSeconds: number;
  altTtlSeconds: number;
  pageTtlSeconds: number;
  maxImageBytes: number;
  fetchTimeoutMs: number;
  imageTags: boolean;
  imagePolicy: ImagePolicy;
}

export interface AltTextVars {
  ORIGIN?: string;
  IMAGE_URL_TTL_SECONDS?: string;
  ALT_TTL_SECONDS?: string;
  PAGE_TTL_SECONDS?: string;
  MAX_IMAGE_BYTES?: string;
  FETCH_TIMEOUT_MS?: string;
  IMAGE_TAGS?: string;
  IMAGE_POLICY?: string;
}

const misconfigured = (detail: string) => new ApiError(500, 'internal_error', `Server misconfigured: ${detail}`);

/** KV's smallest expirationTtl is 60 s. */
function seconds(name: string, raw: string | undefined, fallback: number): number {
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isSafeInteger(value) || value < 60) throw misconfigured(`${name} must be a whole number of seconds, at least 60.`);
  return value;
}

function positive(name: string, raw: string | undefined, fallback: number): number {
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw misconfigured(`${name} must be a positive integer.`);
  return value;
}

function oneOf<T extends string>(name: string, raw: string | undefined, allowed: readonly T[], fallback: T): T {
  if (raw === undefined || raw === '') return fallback;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw misconfigured(`${name} must be one of ${allowed.join(', ')}.`);
}

function originOf(raw: string | undefined): URL {
  if (!raw) throw misconfigured('ORIGIN is not set: name the site this Worker proxies, e.g. ORIGIN = "https://www.example.com".');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw misconfigured('ORIGIN must be an absolute http(s) URL such as https://www.example.com.');
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
    throw misconfigured('ORIGIN must be an http(s) URL without credentials.');
  }
  return new URL(url.origin);
}

export function readAltTextConfig(vars: AltTextVars): AltTextConfig {
  return {
    origin: originOf(vars.ORIGIN),
    imageUrlTtlSeconds: seconds('IMAGE_URL_TTL_SECONDS', vars.IMAGE_URL_TTL_SECONDS, 86_400),
    altTtlSeconds: seconds('ALT_TTL_SECONDS', vars.ALT_TTL_SECONDS, 30 * 86_400),
    pageTtlSeconds: seconds('PAGE_TTL_SECONDS', vars.PAGE_TTL_SECONDS, 86_400),
    maxImageBytes: positive('MAX_IMAGE_BYTES', vars.MAX_IMAGE_BYTES, 15 * 1024 * 1024),
    fetchTimeoutMs: positive('FETCH_TIMEOUT_MS', vars.FETCH_TIMEOUT_MS, 5000),
    imageTags: oneOf('IMAGE_TAGS', vars.IMAGE_TAGS, ['on', 'off'], 'off') === 'on',
    imagePolicy: oneOf('IMAGE_POLICY', vars.IMAGE_POLICY, ['pass', 'placeholder', 'block'], 'pass'),
  };
}
