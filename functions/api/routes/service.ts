import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { BackendVars } from '../../../shared/backend/config.ts';
import { backendStatus } from '../../../shared/backend/status.ts';
import type { AppEnv } from '../../../shared/http/app-env.ts';
import { ortMemoryBytes } from '../../../shared/inference/ort-wasm.ts';
import type { FileEntry } from '../../../shared/models/manifest.ts';
import { loadedModels } from '../../../shared/models/model-store.ts';
import { models } from '../../../shared/models/bundled.ts';

const ModelSchema = z
  .object({
    id: z.string(),
    version: z.string(),
    task: z.string(),
    installed: z.boolean(),
    licence: z.string(),
    runtime: z.enum(['edge', 'backend']),
    description: z.string(),
    health: z
      .object({
        state: z.enum(['closed', 'open', 'half-open']),
        consecutive_failures: z.number().int(),
        calls: z.number().int(),
        failures: z.number().int(),
        last_outcome: z.string().optional(),
        last_latency_ms: z.number().optional(),
        retry_in_ms: z.number().optional(),
      })
      .optional()
      .openapi({ description: 'Backend models: this isolate\'s circuit breaker and call counts (no probe is sent).' }),
  })
  .openapi('Model');

export const modelsRoute = createRoute({
  method: 'get',
  path: '/v1/models',
  summary: 'Every model the API knows: id, version, task, whether it is installed, licence',
  tags: ['service'],
  responses: { 200: { description: 'The models', content: { 'application/json': { schema: z.object({ models: z.array(ModelSchema) }) } } } },
});

export const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'Liveness',
  tags: ['service'],
  responses: {
    200: {
      description: 'The Worker is serving; `isolate` says what this isolate holds (models with live sessions, ORT wasm memory)',
      content: {
        'application/json': {
          schema: z.object({
            status: z.literal('ok'),
            isolate: z.object({ ort_wasm_bytes: z.number().int(), models: z.array(z.object({ model: z.string(), loadMs: z.number() })) }),
          }),
        },
      },
    },
  },
});

/** Models that are always present: the hashing "models" of the foundation. */
const BUILTIN_MODELS: Array<z.infer<typeof ModelSchema>> = [
  { id: 'phash', version: '1', task: 'inspect', installed: true, licence: 'Apache-2.0', runtime: 'edge', description: '64-bit DCT perceptual hash' },
  { id: 'edge-caption', version: '1', task: 'caption', installed: true, licence: 'Apache-2.0', runtime: 'edge', description: 'Caption composed from the edge classifier, detector and OCR (fallback when no GPU backend answers)' },
];

export function registerService(app: OpenAPIHono<AppEnv>): void {
  app.openapi(healthRoute, (c) => c.json({ status: 'ok' as const, isolate: { ort_wasm_bytes: ortMemoryBytes(), models: loadedModels() } }, 200));
  app.openapi(modelsRoute, async (c) => {
    // Installed = every weights file the manifest names is in its store (models pulled at deploy time may not be):
    // static assets, or R2 for files over the asset limit (e.g. a MobileCLIP text encoder).
    const present = async (id: string, entry: FileEntry): Promise<boolean> => {
      if (entry.store === 'r2') return c.env.MODEL_BUCKET ? (await c.env.MODEL_BUCKET.head(`${id}/${entry.path}`)) !== null : false;
      return (await c.env.MODEL_FILES.fetch(`https://model-files/${id}/${entry.path}`, { method: 'HEAD' })).ok;
    };
    const listed = await Promise.all(
      models().all.map(async (m) => {
        const weights = [m.files.model, ...(m.files.text ? [m.files.text] : [])];
        const installed = (await Promise.all(weights.map((entry) => present(m.id, entry)))).every(Boolean);
        return { id: m.id, version: m.version, task: m.task, installed, licence: m.licence, runtime: 'edge' as const, description: m.description };
      }),
    );
    // The GPU backend's configured model per heavy task (BACKEND var), with this isolate's view of its health.
    const remote = backendStatus(c.env as unknown as BackendVars).map((m) => ({
      id: m.source,
      version: 'remote',
      task: m.task,
      installed: true,
      licence: 'see the model card',
      runtime: 'backend' as const,
      description: `GPU backend (${m.protocol === 'chat' ? 'vision chat model' : m.protocol === 'task' ? `${m.task} task endpoint` : 'Workers AI'})`,
      health: m.health,
    }));
    return c.json({ models: [...listed, ...BUILTIN_MODELS, ...remote] }, 200);
  });
}
