import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { ApiError, problemResponse } from '../../errors/api-error.ts';
import type { Quota } from '../auth/api-key.ts';
import type { AuthEnv } from '../auth/principal.ts';

/**
 * Rate limits on the Workers rate-limiting binding ([[ratelimits]] in
 * wrangler.toml): requests with an API key count per key, in the tier its
 * record names; requests without one count per client IP (an IPv6 client per
 * /64, since one host holds a whole /64). Over the limit: 429 problem+json
 * with Retry-After.
 *
 * The binding counts per Cloudflare location and says only yes or no, not
 * when the window ends: Retry-After is the whole period, an upper bound.
 * A limiter that fails or does not answer lets the request through (logged):
 * it protects capacity, and must not itself take the API down.
 */
export const PERIOD_SECONDS = 60;

export const TIER_BINDINGS: Record<Quota, 'RATE_LIMIT_KEY_STANDARD' | 'RATE_LIMIT_KEY_HIGH'> = {
  standard: 'RATE_LIMIT_KEY_STANDARD',
  high: 'RATE_LIMIT_KEY_HIGH',
};

const LIMITER_BUDGET_MS = 500;

export function rateLimit() {
  return createMiddleware<AuthEnv>(async (c, next) => {
    if (!c.var.config.rateLimits) return next();
    const principal = c.get('principal');
    if (principal?.kind === 'key') {
      const refusal = await overLimit(c.env[TIER_BINDINGS[principal.quota]], `key:${principal.id}`, 'API key');
      return refusal ?? next();
    }
    const refusal = await clientLimited(c);
    return refusal ?? next();
  });
}

/** Counts one request against the caller's IP; the 429 to send when it is over, else undefined. */
export async function clientLimited(c: Context<AuthEnv>): Promise<Response | undefined> {
  if (!c.var.config.rateLimits) return undefined;
  return overLimit(c.env.RATE_LIMIT_IP, `ip:${clientAddress(c.req.header('cf-connecting-ip'))}`, 'client address');
}

async function overLimit(limiter: RateLimit | undefined, key: string, who: string): Promise<Response | undefined> {
  if (!limiter) return undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const outcome = await Promise.race([
      limiter.limit({ key }),
      new Promise<never>((_, fail) => {
        timer = setTimeout(() => fail(new Error(`no answer in ${LIMITER_BUDGET_MS} ms`)), LIMITER_BUDGET_MS);
      }),
    ]);
    if (outcome.success) return undefined;
  } catch (error) {
    console.warn(JSON.stringify({ event: 'rate_limiter_failed', error: String(error).slice(0, 200) }));
    return undefined;
  } finally {
    clearTimeout(timer);
  }
  return problemResponse(
    new ApiError(429, 'rate_limited', `Too many requests for this ${who}; retry after ${PERIOD_SECONDS} s.`, { retry_after: PERIOD_SECONDS }),
    { 'retry-after': String(PERIOD_SECONDS) },
  );
}

/**
 * The address a limit counts against: Cloudflare sets CF-Connecting-IP (and
 * overwrites any a client sends). IPv6 addresses count per /64.
 */
export function clientAddress(header: string | undefined): string {
  const address = header?.trim().toLowerCase();
  if (!address) return 'unknown';
  if (!address.includes(':')) return address;
  const groups = expandIPv6(address);
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : address;
}

function expandIPv6(text: string): string[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const side = (part: string | undefined) => (part ? part.split(':') : []);
  const head = side(halves[0]);
  const tail = side(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...new Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (!groups.slice(0, 4).every((group) => /^[0-9a-f]{1,4}$/.test(group))) return undefined;
  return groups.map((group) => (/^[0-9a-f]{1,4}$/.test(group) ? parseInt(group, 16).toString(16) : group));
}
