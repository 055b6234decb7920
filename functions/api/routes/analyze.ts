import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { answerCaption, CaptionParams } from '../../../shared/caption/caption.ts';
import { answerOnce } from '../../../shared/caption/request-memo.ts';
import type { AppEnv } from '../../../shared/http/app-env.ts';
import { ingestImage, summarize, type IngestedImage } from '../../../shared/ingest/ingest-image.ts';
import { answerTask, type AnyImageTask, type TaskAnswer } from '../../../shared/tasks/image-task.ts';
import { parseParams } from '../../../shared/tasks/params.ts';
import { imageRequestBody, imageTaskResponses, ImageSummarySchema } from '../openapi/schemas.ts';
import { EDGE_CAPTION_TASKS } from './caption.ts';
import { classifyTask } from './classify.ts';
import { detectTask } from './detect.ts';
import { withDefaultEmbedModel } from '../../../shared/models/installed.ts';
import { embedTask } from './embed.ts';
import { facesTask } from './faces.ts';
import { inspectTask } from './inspect.ts';
import { moderateTask } from './moderate.ts';
import { ocrTask } from './ocr.ts';

/**
 * One call, many features (as Google Vision's `features` and Immich's
 * `entries`): the image is received, hashed and decoded once in this isolate
 * (the OCR Worker decodes its own copy at the size it needs), and each
 * section runs the same task object as its own route, so sections share
 * cache entries with /v1/classify, /v1/detect... and a second call with
 * more features computes only what is new.
 */
export const FEATURES: Record<
  string,
  {
    task: AnyImageTask;
    /** the one field of the route's answer that is the section */
    field?: string;
    /** fills in parameters that depend on the deployment (the installed default model) */
    defaults?: (c: Context<AppEnv>, params: Record<string, unknown>) => Promise<Record<string, unknown>>;
  }
> = {
  tags: { task: classifyTask, field: 'labels' },
  objects: { task: detectTask, field: 'objects' },
  faces: { task: facesTask, field: 'faces' },
  text: { task: ocrTask },
  moderation: { task: moderateTask },
  embedding: { task: embedTask, defaults: withDefaultEmbedModel },
};

/**
 * Sections that are not one image task. `caption` (opt-in: it may call the GPU
 * backend) comes from the backend or is composed from the tags, objects and
 * text sections, which it shares with this request's own (answerOnce).
 */
const COMPOSED: Record<string, (c: Context<AppEnv>, image: IngestedImage, options: Record<string, unknown>) => Promise<TaskAnswer>> = {
  caption: async (c, image, options) => {
    const outcome = await answerCaption(c, image, parseParams(CaptionParams, options), EDGE_CAPTION_TASKS);
    return { body: outcome.body, model: outcome.body.source, hit: outcome.hit };
  },
};

const FEATURE_NAMES = [...Object.keys(FEATURES), ...Object.keys(COMPOSED)] as [string, ...string[]];
const DEFAULT_FEATURES = Object.keys(FEATURES) as [string, ...string[]];
const Feature = z.enum(FEATURE_NAMES);

const AnalyzeParams = z
  .object({
    features: z
      .preprocess((value) => (typeof value === 'string' ? value.split(',').map((f) => f.trim()).filter(Boolean) : value), z.array(Feature).min(1))
      .default(DEFAULT_FEATURES)
      .openapi({ description: `Comma-separated (query) or array (JSON): ${FEATURE_NAMES.join(', ')}. Default: all.` }),
    ...Object.fromEntries(
      FEATURE_NAMES.map((name) => [
        name,
        z.record(z.string(), z.unknown()).optional().openapi({ description: `Parameters of the ${name} section, as its own route takes them (JSON bodies only).` }),
      ]),
    ),
  })
  .strict();

const AnalyzeResult = z.object({
  tags: z.unknown().optional(),
  objects: z.unknown().optional(),
  faces: z.unknown().optional(),
  text: z.unknown().optional(),
  moderation: z.unknown().optional(),
  embedding: z.unknown().optional(),
  caption: z.unknown().optional(),
  phash: z.string(),
  models: z.record(z.string(), z.string()).openapi({ description: 'The model behind each section: `<id>@<version>`.' }),
  cache: z.record(z.string(), z.enum(['HIT', 'MISS'])).openapi({ description: 'Where each section came from.' }),
  image: ImageSummarySchema,
});

export const analyzeRoute = createRoute({
  method: 'post',
  path: '/v1/analyze',
  summary: 'Several features from one upload: tags, objects, faces, text, moderation, embedding, plus the perceptual hash',
  tags: ['tasks'],
  request: { query: AnalyzeParams, body: imageRequestBody(AnalyzeParams) },
  responses: imageTaskResponses(AnalyzeResult, 'Each requested section; `X-Cache: HIT` only when every section came from the cache'),
});

export function registerAnalyze(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath(analyzeRoute);
  app.post(analyzeRoute.path, async (c) => {
    const timing = c.get('timing');
    const image = await ingestImage(c.req.raw, c.get('config'), timing);
    const params = parseParams(AnalyzeParams, image.params);
    const body: Record<string, unknown> = {};
    const models: Record<string, string> = {};
    const cache: Record<string, 'HIT' | 'MISS'> = {};
    const run = async (feature: string) => {
      const options = (params as Record<string, unknown>)[feature] as Record<string, unknown> | undefined;
      const start = performance.now();
      const composed = COMPOSED[feature];
      const defaults = FEATURES[feature]?.defaults;
      const given = defaults ? await defaults(c, options ?? {}) : (options ?? {});
      const answer = composed ? await composed(c, image, given) : await answerOnce(c, FEATURES[feature]!.task, image, given);
      timing.add(`feature.${feature}`, performance.now() - start);
      return answer;
    };
    const requested = [...new Set(params.features)];
    // Sections whose models live in another Worker (service binding) start
    // first and run there while this isolate works through its own, one after
    // another: an isolate has one thread, and running its models concurrently
    // would only raise peak memory.
    const elsewhere = new Map(requested.filter((f) => COMPOSED[f] || FEATURES[f]!.task.worker).map((f) => [f, run(f)]));
    // Nothing may reject unobserved while the local sections run; the await below rethrows.
    for (const pending of elsewhere.values()) pending.catch(() => {});
    const answers = new Map<string, TaskAnswer>();
    for (const feature of requested) if (!elsewhere.has(feature)) answers.set(feature, await run(feature));
    for (const [feature, pending] of elsewhere) answers.set(feature, await pending);
    for (const feature of requested) {
      const answer = answers.get(feature)!;
      const field = FEATURES[feature]?.field;
      body[feature] = field ? (answer.body as Record<string, unknown>)[field] : answer.body;
      models[feature] = answer.model;
      cache[feature] = answer.hit ? 'HIT' : 'MISS';
    }
    const { body: inspected } = await answerTask(c, inspectTask, image, {});
    const phash = (inspected as { phash: string }).phash;
    const allHit = Object.values(cache).every((v) => v === 'HIT');
    return c.json({ ...body, phash, models, cache, image: summarize(image) }, 200, { 'x-cache': allHit ? 'HIT' : 'MISS' });
  });
}
