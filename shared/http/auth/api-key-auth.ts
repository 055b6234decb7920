import { createMiddleware } from 'hono/factory';
import { routePath } from 'hono/route';
import { ApiError, problemResponse } from '../../errors/api-error.ts';
import { clientLimited } from '../rate-limit/rate-limit.ts';
import { hashKey, KEY_PREFIX, keyId, KeyRecord, sameDigest, scopeOf } from './api-key.ts';
import type { AuthEnv, Principal } from './principal.ts';

export interface ApiKeyAuthOptions {
  /** Where key records live (default: the CACHE namespace, under `apikey:`). */
  store?: (env: Env) => KVNamespace;
  /** How long a key lookup may take before the request fails closed (ms). */
  lookupBudgetMs?: number;
}

const CHALLENGE = { 'www-authenticate': 'Bearer realm="edge-vision"' };

/**
 * API-key access control for the routes it is mounted on. With AUTH_MODE
 * "open" every caller is anonymous; with "keys" a request needs
 * `Authorization: Bearer <key>` naming a live key whose scopes cover the route.
 *
 * Fails closed: if the key store cannot be read in time the answer is 503,
 * never a free pass. Keys never appear in a log line or an error detail; only
 * the public key id does. Rejected attempts count against the caller's IP rate
 * limit, so guessing is throttled like any anonymous traffic.
 */
export function apiKeyAuth(options: ApiKeyAuthOptions = {}) {
  const store = options.store ?? ((env: Env) => env.CACHE);
  const budgetMs = options.lookupBudgetMs ?? 2000;

  return createMiddleware<AuthEnv>(async (c, next) => {
    if (c.var.config.authMode === 'open') {
      c.set('principal', { kind: 'anonymous' });
      return next();
    }

    const reject = async (detail: string) => {
      const limited = await clientLimited(c);
      return limited ?? problemResponse(new ApiError(401, 'unauthorized', detail), CHALLENGE);
    };

    const header = c.req.header('authorization');
    if (!header) return reject('An API key is required: send `Authorization: Bearer <key>`.');
    const token = /^Bearer[ ]+(\S+)\s*$/i.exec(header)?.[1];
    const id = token === undefined ? undefined : keyId(token);
    if (token === undefined || id === undefined) return reject('The Authorization header does not hold a well-formed API key (`Bearer evk_...`).');

    const record = await lookup(store(c.env), id, budgetMs);
    if (!record || !sameDigest(await hashKey(token), record.sha256)) return reject('The API key is not valid.');
    if (record.revoked) return reject('The API key was revoked.');

    const scope = scopeOf(routePath(c, -1));
    if (!record.scopes.includes(scope)) {
      return problemResponse(
        new ApiError(403, 'forbidden', `This API key may not call \`${scope}\` routes (its scopes: ${record.scopes.join(', ')}).`, { scope }),
      );
    }
    const principal: Principal = { kind: 'key', id: record.id, scopes: record.scopes, quota: record.quota };
    c.set('principal', principal);
    return next();
  });
}

/** The key's record, undefined when there is none (or it is unreadable); throws 503 when the store fails. */
async function lookup(kv: KVNamespace, id: string, budgetMs: number): Promise<KeyRecord | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`no answer in ${budgetMs} ms`)), budgetMs);
  });
  let stored: string | null;
  try {
    stored = await Promise.race([kv.get(`${KEY_PREFIX}${id}`, 'text'), deadline]);
  } catch (error) {
    console.error(JSON.stringify({ event: 'key_store_failed', key_id: id, error: String(error).slice(0, 200) }));
    throw new ApiError(503, 'backend_unavailable', 'The API key store is unavailable; retry shortly.');
  } finally {
    clearTimeout(timer);
  }
  if (stored === null) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(stored);
  } catch {
    json = undefined;
  }
  const parsed = KeyRecord.safeParse(json);
  if (!parsed.success || parsed.data.id !== id) {
    console.error(JSON.stringify({ event: 'key_record_invalid', key_id: id }));
    return undefined;
  }
  return parsed.data;
}
