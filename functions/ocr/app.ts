import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../shared/http/app-env.ts';
import { onError, onNotFound } from '../../shared/http/problem-handler.ts';
import { requestContext } from '../../shared/http/request-context.ts';
import { ortMemoryBytes } from '../../shared/inference/ort-wasm.ts';
import { loadedModels } from '../../shared/models/model-store.ts';
import { ocrTask } from '../../shared/tasks/ocr/task.ts';
import { serveTasks } from '../../shared/tasks/task-host.ts';

/**
 * The OCR Worker: PP-OCRv4's three models in an isolate of their own, because
 * their ~83 MiB of wasm memory at peak does not fit beside the other edge models in
 * one 128 MB isolate. It has no public route; the API Worker calls it through
 * the OCR_WORKER service binding.
 * It shares the API's AppEnv so the same task code runs in both; of those
 * bindings it has only MODEL_FILES and the image limits (functions/ocr/wrangler.toml),
 * which is all the OCR task and ingestion touch.
 */
export function createOcrApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.onError(onError);
  app.notFound(onNotFound);
  app.use('*', requestContext());
  app.get('/healthz', (c) => c.json({ status: 'ok', worker: 'ocr', isolate: { ort_wasm_bytes: ortMemoryBytes(), models: loadedModels() } }));
  serveTasks(app, [ocrTask]);
  return app;
}
