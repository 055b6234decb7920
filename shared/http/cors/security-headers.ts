import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env.ts';

/**
 * Headers every answer carries (OWASP's REST and secure-headers guidance).
 * API answers are data, never documents: a CSP of `default-src 'none'`
 * means a JSON or problem body rendered by a browser (a sniffing proxy, a
 * mis-set content type) can run nothing and load nothing. Routes that serve
 * a page (/docs) set their own, looser CSP, which is kept: a header already
 * set is never overwritten. HSTS only over https.
 */
const ALWAYS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-opener-policy': 'same-origin',
};

export function securityHeaders() {
  return createMiddleware<AppEnv>(async (c, next) => {
    await next();
    const wanted = { ...ALWAYS };
    if (new URL(c.req.url).protocol === 'https:') wanted['strict-transport-security'] = 'max-age=31536000; includeSubDomains';
    const missing = Object.entries(wanted).filter(([name]) => !c.res.headers.has(name));
    if (missing.length === 0) return;
    try {
      for (const [name, value] of missing) c.res.headers.set(name, value);
    } catch {
      // Headers of a response passed through from fetch() are immutable: copy it once.
      const copy = new Response(c.res.body, c.res);
      for (const [name, value] of missing) copy.headers.set(name, value);
      c.res = copy;
    }
  });
}
