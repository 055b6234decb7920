import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { answerGpuDetection } from '../../../shared/backend/detect.ts';
import { ApiError } from '../../../shared/errors/api-error.ts';
import type { AppEnv } from '../../../shared/http/app-env.ts';
import { ingestImage, summarize } from '../../../shared/ingest/ingest-image.ts';
import { parseParams } from '../../../shared/tasks/params.ts';
import { decodeDetections, type Detection } from '../../../shared/tasks/detect.ts';
import type { ModelManifest } from '../../../shared/models/manifest.ts';
import { answerTask, type ImageTask } from '../../../shared/tasks/image-task.ts';
import { inferImage } from '../../../shared/tasks/infer-image.ts';
import { models } from '../../../shared/models/bundled.ts';
import { imageRequestBody, imageTaskResponses, ImageSummarySchema } from '../openapi/schemas.ts';

const DetectParams = z
  .object({
    threshold: z.coerce.number().min(0).max(1).default(0.35).openapi({ description: 'Minimum score (objectness x class probability).' }),
    max: z.coerce.number().int().min(1).max(300).default(100).openapi({ description: 'Most objects returned, best first.' }),
    model: z.string().optional().openapi({ description: 'Detector id (GET /v1/models); default yolox-nano.' }),
    backend: z.enum(['edge', 'gpu', 'auto']).default('edge').openapi({
      description: '`edge` (default): the detector in this Worker; `gpu`: DETR on the GPU backend (same answer shape, `model` is `<backend>:<model>`); `auto`: the edge detector.',
    }),
  })
  .strict();

const BoxSchema = z
  .object({ xmin: z.number().int(), ymin: z.number().int(), xmax: z.number().int(), ymax: z.number().int() })
  .openapi('Box', { description: 'Integer pixels of the upright original image (EXIF orientation applied, letterbox undone).' });

const DetectResult = z.object({
  objects: z.array(z.object({ label: z.string(), score: z.number(), box: BoxSchema })),
  model: z.string(),
  image: ImageSummarySchema,
});

export const detectRoute = createRoute({
  method: 'post',
  path: '/v1/detect',
  summary: 'Detect objects (COCO 80 classes) with boxes in the original image pixels',
  tags: ['tasks'],
  request: { query: DetectParams, body: imageRequestBody(DetectParams) },
  responses: imageTaskResponses(DetectResult, 'Objects, best first, after class-aware non-maximum suppression'),
});

export const detectTask: ImageTask<typeof DetectParams, { objects: Detection[] }, ModelManifest> = {
      task: 'detect',
      params: DetectParams,
      model: (params) => (params.model ? models().byId(params.model, 'detect') : models().defaultFor('detect')),
      preprocess: 'p1',
      // edge and auto share the edge result's key; gpu never reaches this task but through
      // /v1/analyze, where it must miss the cache and be refused by run().
      cacheParams: ({ backend, ...rest }) => (backend === 'gpu' ? { ...rest, backend } : rest),
      async run(c, image, params, manifest) {
        if (params.backend === 'gpu') throw new ApiError(400, 'invalid_request', 'backend=gpu is answered by /v1/detect only.', { field: 'backend' });
        const { model, pixels, output } = await inferImage(c, manifest, image);
        const objects = decodeDetections({
          decoder: manifest.output.decoder!,
          values: output.values,
          dims: output.dims,
          inputWidth: manifest.input.width,
          inputHeight: manifest.input.height,
          placement: output.placement,
          decodedWidth: pixels.width,
          decodedHeight: pixels.height,
          imageWidth: image.info.width,
          imageHeight: image.info.height,
          labels: model.labels ?? [],
          threshold: params.threshold,
          max: params.max,
        });
        return { objects };
      },
};

export function registerDetect(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath(detectRoute);
  app.post(detectRoute.path, async (c) => {
    const image = await ingestImage(c.req.raw, c.get('config'), c.get('timing'));
    const params = parseParams(DetectParams, image.params);
    if (params.backend === 'gpu') {
      if (params.model) throw new ApiError(400, 'invalid_request', '`model` names an edge detector; with backend=gpu the backend\'s configured model answers.', { field: 'model' });
      const gpu = await answerGpuDetection(c, image, params);
      return c.json({ objects: gpu.objects, model: gpu.model, image: summarize(image) }, 200, { 'x-cache': gpu.hit ? 'HIT' : 'MISS' });
    }
    // `auto` picks the edge detector: the same COCO classes, no network hop, no GPU cost.
    const answer = await answerTask(c, detectTask, image, image.params);
    return c.json({ ...answer.body, model: answer.model, image: summarize(image) }, 200, { 'x-cache': answer.hit ? 'HIT' : 'MISS' });
  });
}
