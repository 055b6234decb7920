import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../shared/http/app-env.ts';
import { onError, onNotFound } from '../../shared/http/problem-handler.ts';
import { requestContext } from '../../shared/http/request-context.ts';
import { ortMemoryBytes } from '../../shared/inference/ort-wasm.ts';
import { serveModels } from '../../shared/models/model-host.ts';
import { loadedModels } from '../../shared/models/model-store.ts';

/**
 * A model host: one Worker script, deployed once per graph family whose wasm
 * memory needs an isolate of its own (MobileCLIP's image tower, its text
 * tower; each estimated at ~105-110 MiB of the 128 MB). The manifest names the
 * service binding that reaches the graph's host (`files.<file>.worker`); this
 * Worker learns its own from the MODEL_HOST var of its wrangler config and
 * refuses graphs placed elsewhere. No public route: the API Worker calls it.
 * It shares the API's AppEnv so the same model store runs in both; of those
 * bindings it has only MODEL_FILES and MODEL_BUCKET.
 */
export function createModelHostApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.onError(onError);
  app.notFound(onNotFound);
  app.use('*', requestContext());
  app.get('/healthz', (c) =>
    c.json({ status: 'ok', worker: hostBinding(c.env), isolate: { ort_wasm_bytes: ortMemoryBytes(), models: loadedModels() } }),
  );
  serveModels(app, hostBinding);
  return app;
}

const hostBinding = (env: Env): string => (env as Env & ModelHostEnv).MODEL_HOST;
