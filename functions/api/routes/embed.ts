import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { vectorCodec, type WithVector } from '../../../shared/cache/result-cache.ts';
import type { AppEnv } from '../../../shared/http/app-env.ts';
import type { ModelManifest } from '../../../shared/models/manifest.ts';
import { runImageTask, type ImageTask } from '../../../shared/tasks/image-task.ts';
import { inferImage } from '../../../shared/tasks/infer-image.ts';
import { models } from '../../../shared/models/bundled.ts';
import { imageRequestBody, imageTaskResponses, ImageSummarySchema } from '../openapi/schemas.ts';

const EmbedParams = z
  .object({
    model: z.string().optional().openapi({ description: 'Embedding model id (GET /v1/models); default mobilenet-v2-features (1280-d).' }),
  })
  .strict();

const EmbedResult = z.object({
  embedding: z.array(z.number()).openapi({ description: 'L2-normalised: cosine similarity is the dot product.' }),
  dim: z.number().int(),
  model: z.string(),
  image: ImageSummarySchema,
});

export const embedRoute = createRoute({
  method: 'post',
  path: '/v1/embed',
  summary: 'Image embedding (L2-normalised vector) for similarity and search',
  tags: ['tasks'],
  request: { query: EmbedParams, body: imageRequestBody(EmbedParams) },
  responses: imageTaskResponses(EmbedResult, 'The embedding'),
});

export const embedTask: ImageTask<typeof EmbedParams, WithVector<Record<string, never>>, ModelManifest> = {
  task: 'embed',
  params: EmbedParams,
  model: (params) => (params.model ? models().byId(params.model, 'embed') : models().defaultFor('embed')),
  preprocess: 'p1',
  // Stored as float32 bytes in KV, not decimal text.
  codec: vectorCodec<Record<string, never>>(),
  async run(c, image, _params, manifest) {
    const { output } = await inferImage(c, manifest, image);
    return { meta: {}, vector: output.values };
  },
  present: (_c, { vector }) => ({ embedding: Array.from(vector), dim: vector.length }),
};

export function registerEmbed(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath(embedRoute);
  app.post(embedRoute.path, (c) => runImageTask(c, embedTask));
}
