import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../../shared/http/app-env.ts';
import type { ModelManifest } from '../../../shared/models/manifest.ts';
import { runImageTask, type ImageTask } from '../../../shared/tasks/image-task.ts';
import { inferImage } from '../../../shared/tasks/infer-image.ts';
import { rankLabels, type LabelScore } from '../../../shared/tasks/rank-labels.ts';
import { models } from '../../../shared/models/bundled.ts';
import { imageRequestBody, imageTaskResponses, ImageSummarySchema } from '../openapi/schemas.ts';

const ClassifyParams = z
  .object({
    top_k: z.coerce.number().int().min(1).max(100).default(5).openapi({ description: 'How many labels, best first.' }),
    model: z.string().optional().openapi({ description: 'Classifier id (GET /v1/models); default mobilenet-v2 (ImageNet-1k).' }),
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
  model: (params) => (params.model ? models().byId(params.model, 'classify') : models().defaultFor('classify')),
  preprocess: 'p1',
  async run(c, image, params, manifest) {
    const { model, output } = await inferImage(c, manifest, image);
    return { labels: rankLabels(output.values, model.labels ?? [], params.top_k, manifest.output.ignore) };
  },
};

export function registerClassify(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath(classifyRoute);
  app.post(classifyRoute.path, (c) => runImageTask(c, classifyTask));
}
