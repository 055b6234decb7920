import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { perceptualHash } from '../../../shared/hash/phash.ts';
import type { AppEnv } from '../../../shared/http/app-env.ts';
import { runImageTask, type ImageTask, type ModelRef } from '../../../shared/tasks/image-task.ts';
import { imageRequestBody, imageTaskResponses, ImageSummarySchema } from '../openapi/schemas.ts';

const InspectParams = z.object({}).strict();

const InspectFields = z.object({
  orientation: z.number().int().min(1).max(8).openapi({ description: 'EXIF orientation of the stored pixels (1 = upright). Width and height are reported upright.' }),
  stored: z.object({ width: z.number().int(), height: z.number().int() }),
  progressive: z.boolean(),
  frames: z.number().int(),
  bytes: z.number().int(),
  phash: z.string().regex(/^[0-9a-f]{16}$/).openapi({ description: '64-bit DCT perceptual hash (hex). Re-encoded or resized copies differ in a few bits.' }),
});

const InspectResult = InspectFields.extend({ model: z.string(), image: ImageSummarySchema });

export const inspectRoute = createRoute({
  method: 'post',
  path: '/v1/inspect',
  summary: 'Inspect an image: format, size, orientation, content hash and perceptual hash',
  tags: ['images'],
  request: { query: InspectParams, body: imageRequestBody(InspectParams) },
  responses: imageTaskResponses(InspectResult, 'What the image is, read from its bytes'),
});

export const inspectTask: ImageTask<typeof InspectParams, z.infer<typeof InspectFields>, ModelRef> = {
      task: 'inspect',
      model: () => ({ id: 'phash', version: '1' }),
      preprocess: 'p1',
      params: InspectParams,
      async run(c, image) {
        // The hash reads a 32x32 grey thumbnail: decode only what that needs.
        const pixels = await image.pixels({ minWidth: Math.min(64, image.info.width), minHeight: Math.min(64, image.info.height) });
        const phash = await c.get('timing').measure('phash', () => perceptualHash(pixels));
        return {
          orientation: image.info.orientation,
          stored: { width: image.info.storedWidth, height: image.info.storedHeight },
          progressive: image.info.progressive,
          frames: image.info.frames,
          bytes: image.bytes.byteLength,
          phash,
        };
      },
};

export function registerInspect(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath(inspectRoute);
  app.post(inspectRoute.path, (c) => runImageTask(c, inspectTask));
}
