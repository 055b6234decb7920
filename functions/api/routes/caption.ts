import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { answerCaption, CaptionParams } from '../../../shared/caption/caption.ts';
import type { EdgeCaptionTasks } from '../../../shared/caption/edge-caption.ts';
import type { AppEnv } from '../../../shared/http/app-env.ts';
import { ingestImage } from '../../../shared/ingest/ingest-image.ts';
import { parseParams } from '../../../shared/tasks/params.ts';
import { imageRequestBody, imageTaskResponses, ProblemSchema } from '../openapi/schemas.ts';
import { classifyTask } from './classify.ts';
import { detectTask } from './detect.ts';
import { ocrTask } from './ocr.ts';

const CaptionResult = z
  .object({
    caption: z.string().openapi({ description: 'The caption in the requested style.' }),
    alt_text: z.string().openapi({ description: 'One sentence of 125 characters or fewer, without "image of"; for an image of text, the text itself.' }),
    source: z.string().openapi({ description: '`<backend>:<model>` (e.g. `hf:Salesforce/blip-image-captioning-large`) or `edge` (composed from the edge models).' }),
    confidence: z.number().min(0).max(1).openapi({ description: 'Edge captions stay at or below 0.6; backend captions without a model score report 0.8.' }),
  })
  .openapi('Caption');

const backendProblem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ProblemSchema } } });

export const captionRoute = createRoute({
  method: 'post',
  path: '/v1/caption',
  summary: 'Caption and alt text: from the GPU backend, or composed from the edge models when there is none or it fails',
  tags: ['tasks'],
  request: { query: CaptionParams, body: imageRequestBody(CaptionParams) },
  responses: {
    ...imageTaskResponses(CaptionResult, 'The caption; `Content-Language` is the language it is written in'),
    502: backendProblem('The image URL could not be fetched (`fetch_failed`), or with `fallback=none` the backend failed (`backend_failed`)'),
    503: backendProblem('With `fallback=none`: no backend, model loading past the budget, or circuit open (`backend_unavailable`)'),
    504: backendProblem('The image URL (`fetch_timeout`) or, with `fallback=none`, the backend (`backend_timeout`) did not answer in time'),
  },
});

/** The edge caption runs the same tasks (and cache entries) as /v1/classify, /v1/detect and /v1/ocr. */
export const EDGE_CAPTION_TASKS: EdgeCaptionTasks = { tags: classifyTask, objects: detectTask, text: ocrTask };

export function registerCaption(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath(captionRoute);
  app.post(captionRoute.path, async (c) => {
    const image = await ingestImage(c.req.raw, c.get('config'), c.get('timing'));
    const params = parseParams(CaptionParams, image.params);
    const outcome = await answerCaption(c, image, params, EDGE_CAPTION_TASKS);
    return c.json(outcome.body, 200, { 'x-cache': outcome.hit ? 'HIT' : 'MISS', 'content-language': outcome.lang });
  });
}
