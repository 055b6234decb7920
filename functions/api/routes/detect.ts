import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../../shared/http/app-env.ts';
import { decodeDetections, type Detection } from '../../../shared/tasks/detect.ts';
import type { ModelManifest } from '../../../shared/models/manifest.ts';
import { runImageTask, type ImageTask } from '../../../shared/tasks/image-task.ts';
import { inferImage } from '../../../shared/tasks/infer-image.ts';
import { models } from '../../../shared/models/bundled.ts';
import { imageRequestBody, imageTaskResponses, ImageSummarySchema } from '../openapi/schemas.ts';

const DetectParams = z
  .object({
    threshold: z.coerce.number().min(0).max(1).default(0.35).openapi({ description: 'Minimum score (objectness x class probability).' }),
    max: z.coerce.number().int().min(1).max(300).default(100).openapi({ description: 'Most objects returned, best first.' }),
    model: z.string().optional().openapi({ description: 'Detector id (GET /v1/models); default yolox-nano.' }),
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
      async run(c, image, params, manifest) {
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
  app.post(detectRoute.path, (c) => runImageTask(c, detectTask));
}
