import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../../shared/http/app-env.ts';
import { runImageTask } from '../../../shared/tasks/image-task.ts';
import { OcrParams, ocrTask as ocrModels } from '../../../shared/tasks/ocr/task.ts';
import { runInWorker } from '../../../shared/tasks/remote-task.ts';
import { imageRequestBody, imageTaskResponses, ImageSummarySchema } from '../openapi/schemas.ts';

const Box = z.object({ xmin: z.number().int(), ymin: z.number().int(), xmax: z.number().int(), ymax: z.number().int() });
const OcrResultSchema = z.object({
  text: z.string().openapi({ description: 'Every line in reading order: lines of a row joined by spaces, rows by newlines.' }),
  lines: z.array(z.object({ text: z.string(), score: z.number(), box: Box, polygon: z.array(z.tuple([z.number(), z.number()])) })),
  model: z.string(),
  image: ImageSummarySchema,
});

export const ocrRoute = createRoute({
  method: 'post',
  path: '/v1/ocr',
  summary: 'Read the text in an image (English and Chinese), in reading order, with line boxes',
  tags: ['tasks'],
  request: { query: OcrParams, body: imageRequestBody(OcrParams) },
  responses: imageTaskResponses(OcrResultSchema, 'The text and its lines'),
});

/** OCR runs in the OCR Worker (functions/ocr); this Worker ingests, caches and answers. */
export const ocrTask = runInWorker(ocrModels, { binding: 'OCR_WORKER', fetcher: (env) => env.OCR_WORKER });

export function registerOcr(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath(ocrRoute);
  app.post(ocrRoute.path, (c) => runImageTask(c, ocrTask));
}
