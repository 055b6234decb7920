import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../../shared/http/app-env.ts';
import { onnxRuntime } from '../../../shared/inference/ort-wasm.ts';
import type { ModelManifest } from '../../../shared/models/manifest.ts';
import { loadModel } from '../../../shared/models/model-store.ts';
import type { Face } from '../../../shared/tasks/faces/decode-faces.ts';
import { detectFaces, facesDecodeTarget } from '../../../shared/tasks/faces/run-faces.ts';
import { runImageTask, type ImageTask } from '../../../shared/tasks/image-task.ts';
import { models } from '../../../shared/models/bundled.ts';
import { imageRequestBody, imageTaskResponses, ImageSummarySchema } from '../openapi/schemas.ts';

const FacesParams = z
  .object({
    threshold: z.coerce.number().min(0).max(1).optional().openapi({ description: "Minimum score; default each model's own (front 0.75, back 0.8)." }),
    max: z.coerce.number().int().min(1).max(100).default(20),
    tiles: z.enum(['auto', 'off']).default('auto').openapi({
      description: '`auto` also runs the full-range model on the whole image and on up to 6 tiles, so small faces in large photos are found (at most 8 model runs); `off` runs the short-range model once.',
    }),
  })
  .strict();

const Point = z.object({ name: z.string(), x: z.number().int(), y: z.number().int() });
const FacesResult = z.object({
  faces: z.array(
    z.object({
      score: z.number(),
      box: z.object({ xmin: z.number().int(), ymin: z.number().int(), xmax: z.number().int(), ymax: z.number().int() }),
      keypoints: z.array(Point).openapi({ description: "right_eye, left_eye, nose_tip, mouth_center, right_ear_tragion, left_ear_tragion (the subject's right and left)." }),
    }),
  ),
  model: z.string(),
  image: ImageSummarySchema,
});

export const facesRoute = createRoute({
  method: 'post',
  path: '/v1/faces',
  summary: 'Find faces with six keypoints each, boxes in the original image pixels',
  tags: ['tasks'],
  request: { query: FacesParams, body: imageRequestBody(FacesParams) },
  responses: imageTaskResponses(FacesResult, 'Faces, best first, after weighted non-maximum suppression'),
});

/** Both BlazeFace models answer together; the model string names both versions, so the cache key covers them. */
interface FaceModels {
  id: string;
  version: string;
  front: ModelManifest;
  back: ModelManifest;
}

export const facesTask: ImageTask<typeof FacesParams, { faces: Face[] }, FaceModels> = {
  task: 'faces',
  params: FacesParams,
  model: () => {
    const front = models().byId('blazeface-front', 'faces');
    const back = models().byId('blazeface-back', 'faces');
    return { id: 'blazeface', version: `front-${front.version}+back-${back.version}`, front, back };
  },
  preprocess: 'p1',
  async run(c, image, params, manifests) {
    const timing = c.get('timing');
    const { width, height } = image.info;
    const target = facesDecodeTarget(width, height, { front: manifests.front, back: params.tiles === 'auto' ? manifests.back : undefined }, params.tiles);
    const [front, back, pixels] = await Promise.all([
      timing.measure('load', () => loadModel(c.env.MODEL_FILES, manifests.front)),
      params.tiles === 'auto' ? timing.measure('load', () => loadModel(c.env.MODEL_FILES, manifests.back)) : undefined,
      image.pixels(target),
    ]);
    const ort = await onnxRuntime();
    const { faces } = await detectFaces(
      pixels,
      { front, back },
      { threshold: params.threshold, max: params.max, tiles: params.tiles, imageSize: { width, height } },
      { tensor: (data, dims) => new ort.Tensor('float32', data, dims), timing },
    );
    return { faces };
  },
};

export function registerFaces(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath(facesRoute);
  app.post(facesRoute.path, (c) => runImageTask(c, facesTask));
}
