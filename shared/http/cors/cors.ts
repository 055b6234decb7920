import { createMiddleware } from 'hono/factory';
import { cors } from 'hono/cors';
import type { AppEnv } from '../app-env.ts';

/**
 * CORS from the CORS_ORIGINS var: exact origins, or `*` for any. Unset, no
 * CORS header is sent and browsers on other origins cannot read answers
 * (server-side clients are unaffected). Credentials (cookies) are never
 * allowed: the API authenticates with a bearer key, which a page sends
 * explicitly. Preflight requests are answered here, before authentication,
 * as browsers send them without the key.
 */
export function configurableCors() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const origins = c.var.config.corsOrigins;
    if (origins.length === 0) return next();
    const any = origins.includes('*');
    const handler = cors({
      origin: any ? '*' : (origin) => (origins.includes(origin) ? origin : null),
      allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
      allowHeaders: ['authorization', 'content-type'],
      exposeHeaders: ['server-timing', 'x-cache', 'retry-after'],
      maxAge: 600,
    });
    return handler(c, next);
  });
}
