import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { vectorCodec, type WithVector } from '../../../shared/cache/result-cache.ts';
import type { AppEnv } from '../../../shared/http/app-env.ts';
import type { ModelManifest } from '../../../shared/models/manifest.ts';
import { ingestImage, summarize } from '../../../shared/ingest/ingest-image.ts';
import { withDefaultEmbedModel } from '../../../shared/models/installed.ts';
import { answerTask, type ImageTask } from '../../../shared/tasks/image-task.ts';
import { inferImage } from '../../../shared/tasks/infer-image.ts';
import { models } from '../../../shared/models/bundled.ts';
import { imageRequestBody, imageTaskResponses, ImageSummarySchema } from '../openapi/schemas.ts';

const EmbedParams = z
  .object({
    model: z.string().optional().openapi({
      description: 'Embedding model id (GET /v1/models). Default: mobileclip-s0 (512-d, shared with text) when installed, else mobilenet-v2-features (1280-d); the `model` field of the answer says which.',
    }),
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
  app.post(embedRoute.path, async (c) => {
    const image = await ingestImage(c.req.raw, c.get('config'), c.get('timing'));
    // No model named: the best installed one (MobileCLIP once pulled), decided per isolate.
    const answer = await answerTask(c, embedTask, image, await withDefaultEmbedModel(c, image.params));
    return c.json({ ...answer.body, model: answer.model, image: summarize(image) }, 200, { 'x-cache': answer.hit ? 'HIT' : 'MISS' });
  });
}
