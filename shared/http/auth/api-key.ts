import { z } from '@hono/zod-openapi';
import { sha256Hex } from '../../hash/sha256.ts';

/**
 * API keys: what a key looks like, how its record is stored, and which route
 * groups (scopes) exist. infra/keys.mjs writes records in exactly this shape;
 * api-key.test.ts checks both sides agree.
 *
 * A key is `evk_<id>_<secret>`: the 16-hex-digit id is public (it names the
 * record, appears in `npm run keys -- list` and in logs), the 43-character
 * base64url secret (256 random bits) is shown once at creation and never
 * stored: KV holds only the SHA-256 of the whole key. Looking the record up by
 * id and comparing hashes in constant time means neither the lookup nor the
 * comparison tells an attacker how close a guess was.
 */
export const KEY_PREFIX = 'apikey:';

const TOKEN = /^evk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** Route groups a key may be allowed to call. */
export const SCOPES = ['tasks', 'collections', 'gpu'] as const;
export type Scope = (typeof SCOPES)[number];

/** Rate-limit tiers; each names a [[ratelimits]] binding (see shared/http/rate-limit/). */
export const QUOTAS = ['standard', 'high'] as const;
export type Quota = (typeof QUOTAS)[number];

export const KeyRecord = z
  .object({
    id: z.string().regex(/^[0-9a-f]{16}$/),
    name: z.string().min(1).max(200),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    scopes: z.array(z.enum(SCOPES)).min(1),
    quota: z.enum(QUOTAS),
    created: z.string(),
    revoked: z.string().optional(),
  })
  .strict();
export type KeyRecord = z.infer<typeof KeyRecord>;

/** The record id of a well-formed key, or undefined. Never echo the key itself anywhere. */
export function keyId(token: string): string | undefined {
  return TOKEN.exec(token)?.[1];
}

export function hashKey(token: string): Promise<string> {
  return sha256Hex(token);
}

/** Equal-length comparison whose time does not depend on where the inputs differ. */
export function sameDigest(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  // timingSafeEqual needs equal lengths; a stored digest is always 64 hex
  // digits (the schema says so), so a length difference reveals nothing.
  if (left.byteLength !== right.byteLength) return false;
  return crypto.subtle.timingSafeEqual(left, right);
}

/** Routes on the GPU backend (heavy models, billed per call). */
const GPU_ROUTES = ['/v1/caption', '/v1/vqa'];

/**
 * The scope a route belongs to, from its registered pattern (what the router
 * matched, so no spelling of the path can reach a route under another scope).
 * A /v1 path that matched no route is `tasks`: it still needs a key, then 404s.
 */
export function scopeOf(routePattern: string): Scope {
  if (routePattern === '/v1/collections' || routePattern.startsWith('/v1/collections/')) return 'collections';
  if (GPU_ROUTES.some((route) => routePattern === route || routePattern.startsWith(`${route}/`))) return 'gpu';
  return 'tasks';
}
