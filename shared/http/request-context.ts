import { createMiddleware } from 'hono/factory';
import { ResultCache } from '../cache/result-cache.ts';
import { readConfig } from '../config.ts';
import { ServerTiming } from '../timing/server-timing.ts';
import type { AppEnv } from './app-env.ts';

/**
 * Per-request configuration, timing and cache, built from the bindings of
 * this request (never at import time), and the Server-Timing header on the
 * way out, errors included.
 */
export const requestContext = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const timing = new ServerTiming();
    c.set('timing', timing);
    const config = readConfig(c.env);
    c.set('config', config);
    const defer = (work: Promise<unknown>) => {
      try {
        c.executionCtx.waitUntil(work);
      } catch {
        // No execution context (called outside a fetch event): the write still runs.
      }
    };
    c.set('cache', new ResultCache(c.env.CACHE, config.cacheTtlSeconds, defer));
    try {
      await next();
    } finally {
      const header = timing.header();
      if (header) c.res.headers.set('server-timing', header);
    }
  });
