import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../shared/http/app-env.ts';
import { onError, onNotFound } from '../../shared/http/problem-handler.ts';
import { apiKeyAuth } from '../../shared/http/auth/api-key-auth.ts';
import { configurableCors } from '../../shared/http/cors/cors.ts';
import { securityHeaders } from '../../shared/http/cors/security-headers.ts';
import { rateLimit } from '../../shared/http/rate-limit/rate-limit.ts';
import { requestContext } from '../../shared/http/request-context.ts';
import { registerAnalyze } from './routes/analyze.ts';
import { registerBatch } from './routes/batch.ts';
import { registerCaption } from './routes/caption.ts';
import { registerClassify } from './routes/classify.ts';
import { registerCollections } from './routes/collections.ts';
import { registerDetect } from './routes/detect.ts';
import { registerDocs } from './routes/docs.ts';
import { registerEmbed } from './routes/embed.ts';
import { registerEmbedText } from './routes/embed-text.ts';
import { registerFaces } from './routes/faces.ts';
import { registerInspect } from './routes/inspect.ts';
import { registerModerate } from './routes/moderate.ts';
import { registerOcr } from './routes/ocr.ts';
import { registerService } from './routes/service.ts';
import { registerTag } from './routes/tag.ts';
import { registerVqa } from './routes/vqa.ts';
import { registerZeroShot } from './routes/zero-shot.ts';

export function createApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.onError(onError);
  app.notFound(onNotFound);
  app.use('*', requestContext());
  app.use('*', securityHeaders());
  // CORS answers preflights before auth: browsers send them without the key.
  app.use('*', configurableCors());
  // /healthz, /docs and /openapi.json stay public; every /v1 route is behind these.
  app.use('/v1/*', apiKeyAuth());
  app.use('/v1/*', rateLimit());
  registerService(app);
  registerInspect(app);
  registerClassify(app);
  registerEmbed(app);
  registerEmbedText(app);
  registerZeroShot(app);
  registerModerate(app);
  registerDetect(app);
  registerFaces(app);
  registerOcr(app);
  registerAnalyze(app);
  registerBatch(app);
  registerCaption(app);
  registerTag(app);
  registerVqa(app);
  registerCollections(app);
  registerDocs(app);
  return app;
}
