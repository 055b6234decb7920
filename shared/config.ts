import { ApiError } from './errors/api-error.ts';

/**
 * The operator's settings, read from Worker vars (wrangler.toml [vars] or the
 * dashboard) and checked once per request at the edge of the system, so a
 * typo in a var fails loudly instead of silently disabling a limit.
 */
export interface ApiConfig {
  maxImageBytes: number;
  maxImagePixels: number;
  cacheTtlSeconds: number;
  fetchTimeoutMs: number;
  allowHttpOrigins: string[];
}

export interface ConfigVars {
  MAX_IMAGE_BYTES?: string;
  MAX_IMAGE_PIXELS?: string;
  CACHE_TTL_SECONDS?: string;
  FETCH_TIMEOUT_MS?: string;
  ALLOW_HTTP_ORIGINS?: string;
}

/**
 * 25 MP: a decoded image costs 3 bytes a pixel here plus the codec's own
 * RGBA copy (4 bytes a pixel in WASM memory that never shrinks), so 25 MP
 * is ~175 MB at full resolution; JPEGs are decoded with DCT-domain scaling
 * (far less), and other formats are held to MAX_FULL_DECODE_PIXELS.
 */
export const DEFAULTS = {
  maxImageBytes: 15 * 1024 * 1024,
  maxImagePixels: 25_000_000,
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

export function readConfig(vars: ConfigVars): ApiConfig {
  return {
    maxImageBytes: positiveInt('MAX_IMAGE_BYTES', vars.MAX_IMAGE_BYTES, DEFAULTS.maxImageBytes),
    maxImagePixels: positiveInt('MAX_IMAGE_PIXELS', vars.MAX_IMAGE_PIXELS, DEFAULTS.maxImagePixels),
    cacheTtlSeconds: positiveInt('CACHE_TTL_SECONDS', vars.CACHE_TTL_SECONDS, DEFAULTS.cacheTtlSeconds),
    fetchTimeoutMs: positiveInt('FETCH_TIMEOUT_MS', vars.FETCH_TIMEOUT_MS, DEFAULTS.fetchTimeoutMs),
    allowHttpOrigins: (vars.ALLOW_HTTP_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  };
}
