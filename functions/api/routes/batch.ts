import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { toApiError } from '../../../shared/errors/api-error.ts';
import type { AppEnv } from '../../../shared/http/app-env.ts';
import { summarize, type ImageSummary } from '../../../shared/ingest/ingest-image.ts';
import { gatherMisses } from '../../../shared/tasks/batch-gather.ts';
import { ingestBatchImage } from '../../../shared/tasks/batch-ingest.ts';
import { batchLimits, readBatchRequest } from '../../../shared/tasks/batch-request.ts';
import { computeMisses, type BatchMiss, type BatchStats } from '../../../shared/tasks/batch-run.ts';
import { withDefaultEmbedModel } from '../../../shared/models/installed.ts';
import { answerTask, type AnyImageTask, type TaskAnswer } from '../../../shared/tasks/image-task.ts';
import { parseParams } from '../../../shared/tasks/params.ts';
import { ImageSummarySchema, ProblemSchema } from '../openapi/schemas.ts';
import { classifyTask } from './classify.ts';
import { detectTask } from './detect.ts';
import { embedTask } from './embed.ts';
import { facesTask } from './faces.ts';
import { moderateTask } from './moderate.ts';

/**
 * POST /v1/batch: several images, one task (as Google Vision's up to 16
 * images a request). Each image is ingested, hashed and cached on its own,
 * with the same cache entries as its single route; the cache misses run
 * through one session run when the model's graph takes a dynamic batch
 * (shared/tasks/batch-run.ts), else one after another. A bad image fails its
 * own item with the problem its single route would answer; the batch still
 * answers 200.
 */
type ParamsResolver = (c: Context<AppEnv>, params: Record<string, unknown>) => Promise<Record<string, unknown>>;
const asGiven: ParamsResolver = async (_c, params) => params;

/** Each task, and how its route fills in parameters before answerTask (embed picks the best installed model). */
const BATCH_TASKS: Record<string, { task: AnyImageTask; resolve: ParamsResolver }> = {
  classify: { task: classifyTask, resolve: asGiven },
  embed: { task: embedTask, resolve: withDefaultEmbedModel },
  moderate: { task: moderateTask, resolve: asGiven },
  detect: { task: detectTask, resolve: asGiven },
  faces: { task: facesTask, resolve: asGiven },
};

const TaskName = z.enum(Object.keys(BATCH_TASKS) as [string, ...string[]]);
const ImageReference = z.union([z.object({ url: z.string().url() }), z.object({ base64: z.string() })]);

const BatchItem = z
  .object({
    index: z.number().int().openapi({ description: 'Position of the image in the request.' }),
    image: ImageSummarySchema.optional(),
    cache: z.enum(['HIT', 'MISS']).optional(),
    model: z.string().optional(),
    error: ProblemSchema.optional().openapi({ description: 'Present instead of the result when this image failed (the problem its single route would answer).' }),
  })
  .passthrough()
  .openapi('BatchItem', { description: 'The single route\'s answer for this image (e.g. `labels` for classify), or `error`.' });

const BatchResult = z.object({
  task: TaskName,
  model: z.string(),
  results: z.array(BatchItem),
  batch: z.object({
    images: z.number().int(),
    session_runs_batched: z.number().int().openapi({ description: 'Session runs that took several images at once.' }),
    images_batched: z.number().int(),
    sequential_reason: z.string().optional().openapi({ description: 'Why the cache misses ran one at a time, when they did (e.g. a graph with a fixed batch of 1).' }),
  }),
});

export const batchRoute = createRoute({
  method: 'post',
  path: '/v1/batch',
  summary: 'One task on several images (at most 16, their bytes together at most MAX_IMAGE_BYTES), one session run where the model allows',
  tags: ['tasks'],
  request: {
    query: z.object({ task: TaskName.optional() }).passthrough(),
    body: {
      required: true,
      description: 'multipart/form-data with several `image` files plus `task` and the task\'s parameters as fields, or JSON `{"task", "images": [{"url"|"base64"}], ...parameters}`.',
      content: {
        'multipart/form-data': { schema: z.object({ task: TaskName, image: z.array(z.any().openapi({ type: 'string', format: 'binary' })) }).passthrough() },
        'application/json': { schema: z.object({ task: TaskName, images: z.array(ImageReference).min(1).max(16) }).passthrough() },
      },
    },
  },
  responses: {
    200: {
      description: 'One entry per image, in request order. `X-Cache: HIT` only when every image came from the cache.',
      content: { 'application/json': { schema: BatchResult } },
    },
    400: { description: 'Invalid envelope or parameters (`invalid_request`, `empty_body`)', content: { 'application/problem+json': { schema: ProblemSchema } } },
    413: { description: 'Too many images or bytes (`payload_too_large`)', content: { 'application/problem+json': { schema: ProblemSchema } } },
  },
});

type Item = { index: number; error: object } | ({ index: number; image: ImageSummary; cache: 'HIT' | 'MISS'; model: string } & object);

async function batch(c: Context<AppEnv>): Promise<Response> {
  const config = c.get('config');
  const timing = c.get('timing');
  const limits = batchLimits(config);
  const request = await readBatchRequest(c.req.raw, limits);
  const entry = BATCH_TASKS[parseParams(z.object({ task: TaskName }), { task: request.task }).task]!;
  const task = entry.task;
  const rawParams = await entry.resolve(c, request.params);
  // Parameters are the batch's, not an image's: a bad one fails the request before any image is read.
  const model = task.model(parseParams(task.params, rawParams));
  const items: Item[] = new Array(request.images.length);
  const ingested: Array<{ index: number; image: Awaited<ReturnType<typeof ingestBatchImage>> }> = [];
  let budget = limits.maxTotalBytes;
  // One at a time: a URL image is fetched under what is left of the batch's byte budget.
  for (let index = 0; index < request.images.length; index++) {
    try {
      const image = await ingestBatchImage(request.images[index]!, config, timing, budget);
      budget -= image.bytes.byteLength;
      ingested.push({ index, image });
    } catch (error) {
      items[index] = { index, error: toApiError(error).toProblem() };
    }
    // The envelope's copy (a base64 string, say) is no longer needed.
    request.images[index] = { reference: null };
  }
  const stats: BatchStats = { batchedRuns: 0, batchedImages: 0 };
  const gatherer = gatherMisses<BatchMiss, object>(ingested.length, (misses, settle) => computeMisses(c, task, misses, settle, stats));
  const answers = ingested.splice(0).map(async ({ index, image }) => {
    const summary = summarize(image);
    let computed = false;
    // The task as it is (cache key, codec, answer shape), except that a miss joins the batch's computation.
    const joined: AnyImageTask = {
      ...task,
      run: (_c, image, params, model) => {
        computed = true;
        return gatherer.compute({ image, params, model });
      },
    };
    try {
      const answer: TaskAnswer = await answerTask(c, joined, image, rawParams);
      items[index] = { ...answer.body, index, model: answer.model, cache: answer.hit ? 'HIT' : 'MISS', image: summary };
    } catch (error) {
      items[index] = { index, error: toApiError(error).toProblem() };
    } finally {
      if (!computed) gatherer.skip();
    }
  });
  await Promise.all(answers);
  const allHit = items.every((item) => 'cache' in item && item.cache === 'HIT');
  const modelName = `${model.id}@${model.version}`;
  return c.json(
    {
      task: task.task,
      model: modelName,
      results: items,
      batch: {
        images: items.length,
        session_runs_batched: stats.batchedRuns,
        images_batched: stats.batchedImages,
        ...(stats.sequentialReason ? { sequential_reason: stats.sequentialReason } : {}),
      },
    },
    200,
    { 'x-cache': allHit ? 'HIT' : 'MISS' },
  );
}

export function registerBatch(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath(batchRoute);
  app.post(batchRoute.path, batch);
}
