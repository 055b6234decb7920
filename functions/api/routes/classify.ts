import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../../shared/http/app-env.ts';
import type { ModelManifest } from '../../../shared/models/manifest.ts';
import { answerTask, runImageTask, type ImageTask } from '../../../shared/tasks/image-task.ts';
import { inferImage } from '../../../shared/tasks/infer-image.ts';
import { rankLabels, type LabelScore } from '../../../shared/tasks/rank-labels.ts';
import { models } from '../../../shared/models/bundled.ts';
import { tagIndex, tagSetVersion } from '../../../shared/tasks/open-vocab/tag-index.ts';
import { embedTask } from './embed.ts';
import { imageRequestBody, imageTaskResponses, ImageSummarySchema } from '../openapi/schemas.ts';

const ClassifyParams = z
  .object({
    top_k: z.coerce.number().int().min(1).max(100).default(5).openapi({ description: 'How many labels, best first.' }),
    model: z.string().optional().openapi({
      description: 'Classifier id (GET /v1/models); default mobilenet-v2 (ImageNet-1k). An image-text model (mobileclip-s0) tags from its open vocabulary of a few thousand concepts, with calibrated scores.',
    }),
    min_score: z.coerce
      .number()
      .min(0)
      .max(1)
      .optional()
      .openapi({ description: "Leave out labels scoring under this. Default: the model's threshold for open-vocabulary tags (the answer may be empty), 0 otherwise." }),
  })
  .strict();

const LabelScoreSchema = z.object({ label: z.string(), score: z.number().min(0).max(1) }).openapi('LabelScore');

const ClassifyResult = z.object({ labels: z.array(LabelScoreSchema), model: z.string(), image: ImageSummarySchema });

export const classifyRoute = createRoute({
  method: 'post',
  path: '/v1/classify',
  summary: 'Tag an image with labels (ImageNet-1k by default)',
  tags: ['tasks'],
  request: { query: ClassifyParams, body: imageRequestBody(ClassifyParams) },
  responses: imageTaskResponses(ClassifyResult, 'Labels with probabilities, best first'),
});

export const classifyTask: ImageTask<typeof ClassifyParams, { labels: LabelScore[] }, ModelManifest> = {
  task: 'classify',
  params: ClassifyParams,
  model: (params) => {
    const manifest = params.model ? models().byId(params.model, 'classify') : models().defaultFor('classify');
    // Open-vocabulary answers depend on the tag set too: its version goes into the answer's model name and cache key.
    return manifest.tags ? { ...manifest, version: `${manifest.version}+${tagSetVersion(manifest)}` } : manifest;
  },
  preprocess: 'p1',
  async run(c, image, params, manifest) {
    if (manifest.tags) {
      // The manifest says how this model classifies: an image-text model compares its image
      // embedding (the /v1/embed cache entry) with its tag embeddings.
      const tags = tagIndex(c, manifest);
      tags.catch(() => {}); // rethrown below, after the image tower has said whether it is installed
      const { body } = await answerTask(c, embedTask, image, { model: manifest.id });
      const vector = Float32Array.from((body as { embedding: number[] }).embedding);
      return { labels: (await tags).tag(vector, { topK: params.top_k, minScore: params.min_score ?? manifest.tags.threshold }) };
    }
    const { model, output } = await inferImage(c, manifest, image);
    const labels = rankLabels(output.values, model.labels ?? [], params.top_k, manifest.output.ignore);
    return { labels: params.min_score === undefined ? labels : labels.filter((l) => l.score >= params.min_score!) };
  },
};

export function registerClassify(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath(classifyRoute);
  app.post(classifyRoute.path, (c) => runImageTask(c, classifyTask));
}
