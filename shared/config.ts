import { ApiError } from './errors/api-error.ts';

/**
 * The operator's settings, read from Worker vars (wrangler.toml [vars] or the
 * dashboard) and checked once per request at the edge of the system, so a
 * typo in a var fails loudly instead of silently disabling a limit.
 */
export interface ApiConfig {
  maxImageBytes: number;
  maxImagePixels: number;
  maxFullDecodePixels: number;
  cacheTtlSeconds: number;
  fetchTimeoutMs: number;
  allowHttpOrigins: string[];
  /** "open": no API key needed (the `npm run dev` default); "keys": every /v1 route needs one. */
  authMode: AuthMode;
  /** Browser origins allowed by CORS: exact origins, or ["*"] for any; empty sends no CORS headers. */
  corsOrigins: string[];
  /** Whether the [[ratelimits]] bindings are consulted ("on", the default) or not ("off"). */
  rateLimits: boolean;
  /** Default embedding models, best first: the first one installed answers (empty: the registry's order). */
  embedModels: string[];
}

export type AuthMode = 'open' | 'keys';

export interface ConfigVars {
  MAX_IMAGE_BYTES?: string;
  MAX_IMAGE_PIXELS?: string;
  MAX_FULL_DECODE_PIXELS?: string;
  CACHE_TTL_SECONDS?: string;
  FETCH_TIMEOUT_MS?: string;
  ALLOW_HTTP_ORIGINS?: string;
  AUTH_MODE?: string;
  CORS_ORIGINS?: string;
  RATE_LIMITS?: string;
  EMBED_MODELS?: string;
}

/**
 * Pixel caps derived from the 128 MB isolate. ORT's wasm memory holds about
 * 40 MB with every edge model loaded, the JS heap ~10 MB, leaving ~70 MB for
 * one decode at a time.
 * - JPEG is decoded with DCT-domain scaling straight to the size a task
 *   needs (a model input is at most ~1000 px), so even 50 MP costs a few MB:
 *   the 1/8-scale output plus, for progressive files, 2 bytes of DC and an
 *   8-byte mask per 8x8 block (~10 MB at 50 MP). MAX_IMAGE_PIXELS bounds it.
 * - PNG and WebP are decoded at full size by WASM codecs: 4 bytes a pixel in
 *   codec memory (which never shrinks), a 4-byte JS copy and a 3-byte RGB
 *   raster: ~11 bytes a pixel at peak, so 4 MP costs ~44 MB.
 *   MAX_FULL_DECODE_PIXELS bounds it (GIF's first frame too).
 */
export const DEFAULTS = {
  maxImageBytes: 15 * 1024 * 1024,
  maxImagePixels: 50_000_000,
  maxFullDecodePixels: 4_000_000,
  cacheTtlSeconds: 30 * 24 * 3600,
  fetchTimeoutMs: 5000,
} as const;

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ApiError(500, 'internal_error', `Server misconfigured: ${name} must be a positive integer.`);
  }
  return value;
}

/** One of `allowed`, or the fallback when unset; anything else is a misconfiguration, never a silent default. */
function oneOf<T extends string>(name: string, raw: string | undefined, allowed: readonly T[], fallback: T): T {
  if (raw === undefined || raw === '') return fallback;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw new ApiError(500, 'internal_error', `Server misconfigured: ${name} must be one of ${allowed.join(', ')}.`);
}

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

export function readConfig(vars: ConfigVars): ApiConfig {
  return {
    maxImageBytes: positiveInt('MAX_IMAGE_BYTES', vars.MAX_IMAGE_BYTES, DEFAULTS.maxImageBytes),
    maxImagePixels: positiveInt('MAX_IMAGE_PIXELS', vars.MAX_IMAGE_PIXELS, DEFAULTS.maxImagePixels),
    maxFullDecodePixels: positiveInt('MAX_FULL_DECODE_PIXELS', vars.MAX_FULL_DECODE_PIXELS, DEFAULTS.maxFullDecodePixels),
    cacheTtlSeconds: positiveInt('CACHE_TTL_SECONDS', vars.CACHE_TTL_SECONDS, DEFAULTS.cacheTtlSeconds),
    fetchTimeoutMs: positiveInt('FETCH_TIMEOUT_MS', vars.FETCH_TIMEOUT_MS, DEFAULTS.fetchTimeoutMs),
    allowHttpOrigins: list(vars.ALLOW_HTTP_ORIGINS),
    authMode: oneOf('AUTH_MODE', vars.AUTH_MODE, ['open', 'keys'], 'open'),
    corsOrigins: list(vars.CORS_ORIGINS),
    rateLimits: oneOf('RATE_LIMITS', vars.RATE_LIMITS, ['on', 'off'], 'on') === 'on',
    embedModels: list(vars.EMBED_MODELS),
  };
}
