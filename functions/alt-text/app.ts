import { Hono } from 'hono';
import { readAltTextConfig, type AltTextConfig } from '../../shared/alt-text/config.ts';
import { proxyRequest } from '../../shared/alt-text/proxy.ts';
import { altReport, reportedPage } from '../../shared/alt-text/report.ts';
import { onError } from '../../shared/http/problem-handler.ts';
import { imageTags } from '../../shared/http/image-tags/image-tags.ts';
import { visionAnalyzer } from '../../shared/http/image-tags/vision-analyzer.ts';

/** Bindings of this Worker (functions/alt-text/env.d.ts, from `wrangler types`), plus the optional secret. */
export type AltTextBindings = AltTextEnv & { VISION_API_KEY?: string };

export interface AltTextAppEnv {
  Bindings: AltTextBindings;
  Variables: { config: AltTextConfig };
}

/** How long an image's tags and verdict are kept by content hash (7 days). */
const TAGS_TTL_SECONDS = 7 * 86_400;

/**
 * The alt-text proxy Worker: every path of the site is proxied to ORIGIN
 * (HTML pages with missing alt rewritten, image responses optionally tagged),
 * except GET /v1/alt-text/report, the site owner's review of what was generated.
 */
export function createAltTextApp(): Hono<AltTextAppEnv> {
  const app = new Hono<AltTextAppEnv>();
  app.onError(onError);
  app.use('*', async (c, next) => {
    c.set('config', readAltTextConfig(c.env));
    await next();
  });

  app.get('/v1/alt-text/report', async (c) => {
    const page = reportedPage(c.req.query('page'), new URL(c.req.url));
    return c.json(await altReport(c.env.ALT_TEXT, page), 200, { 'cache-control': 'no-store' });
  });

  app.use(
    '*',
    imageTags<AltTextAppEnv>({
      analyze: (c) => visionAnalyzer(c.env.VISION, { apiKey: c.env.VISION_API_KEY }),
      cache: (c) => ({ kv: c.env.ALT_TEXT, ttlSeconds: TAGS_TTL_SECONDS }),
      policy: (c) => c.var.config.imagePolicy,
      onMiss: 'background',
    }),
  );

  app.all('*', (c) =>
    proxyRequest(c.req.raw, c.var.config, {
      kv: c.env.ALT_TEXT,
      queue: c.env.ALT_QUEUE,
      defer: (work) => c.executionCtx.waitUntil(work),
    }),
  );
  return app;
}
