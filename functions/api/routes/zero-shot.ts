import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../../../shared/http/app-env.ts';
import { ingestImage, summarize } from '../../../shared/ingest/ingest-image.ts';
import { answerTask } from '../../../shared/tasks/image-task.ts';
import { parseParams } from '../../../shared/tasks/params.ts';
import { fillTemplate, zeroShotScores } from '../../../shared/tasks/zero-shot.ts';
import { embedTexts, textSpecOf } from '../../../shared/text/text-model.ts';
import { imageRequestBody, imageTaskResponses, ImageSummarySchema, ProblemSchema } from '../openapi/schemas.ts';
import { DEFAULT_TEXT_MODEL, textModel, textModelIds } from './embed-text.ts';
import { embedTask } from './embed.ts';

export const MAX_LABELS = 100;
// Sentences are cut at the encoder's 77 tokens anyway; these only bound the work per request.
const MAX_LABEL_CHARS = 200;
const MAX_TEMPLATE_CHARS = 300;

/** A query string or form field is text: a JSON array, or labels separated by commas. */
function labelList(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  if (trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return value; // fails the array check below, naming the field
    }
  }
  return trimmed.split(',').map((label) => label.trim()).filter(Boolean);
}

/** JSON booleans, or "true"/"false" from a query string or form field (z.coerce would read "false" as true). */
function booleanField(value: unknown): unknown {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

const ZeroShotParams = z
  .object({
    candidate_labels: z
      .preprocess(
        labelList,
        z
          .array(z.string().trim().min(1).max(MAX_LABEL_CHARS))
          .min(1)
          .max(MAX_LABELS)
          .refine((labels) => new Set(labels).size === labels.length, { message: 'labels must be distinct' }),
      )
      .openapi({ description: `1 to ${MAX_LABELS} labels: an array (JSON), or comma-separated / a JSON array (query, form).` }),
    hypothesis_template: z
      .string()
      .max(MAX_TEMPLATE_CHARS)
      .refine((t) => t.includes('{}'), { message: 'must contain {} where the label goes' })
      .default('a photo of {}.')
      .openapi({ description: 'The sentence each label is put into ({} is replaced by the label).' }),
    multi_label: z
      .preprocess(booleanField, z.boolean())
      .default(false)
      .openapi({ description: 'Score each label on its own (sigmoid) instead of a softmax across the labels.' }),
    model: z.string().optional().openapi({ description: `Image-text model id (GET /v1/models); default ${DEFAULT_TEXT_MODEL}.` }),
  })
  .strict();

const ZeroShotResult = z.object({
  labels: z
    .array(z.object({ label: z.string(), score: z.number().min(0).max(1) }))
    .openapi({ description: 'Every candidate label, best first. Softmax scores sum to 1; multi_label scores are independent.' }),
  multi_label: z.boolean(),
  model: z.string(),
  image: ImageSummarySchema,
});

export const zeroShotRoute = createRoute({
  method: 'post',
  path: '/v1/zero-shot',
  summary: 'Zero-shot classification: score an image against labels you choose',
  tags: ['tasks'],
  request: { query: ZeroShotParams, body: imageRequestBody(ZeroShotParams) },
  responses: {
    ...imageTaskResponses(ZeroShotResult, 'Labels with scores, best first'),
    503: { description: 'The model is not installed (`model_not_installed`, with the command that installs it)', content: { 'application/problem+json': { schema: ProblemSchema } } },
  },
});

/**
 * The image embedding comes from the /v1/embed task (same cache entry), each
 * label's sentence from the per-text cache; only the scoring is computed per
 * request, so new labels on a known image cost only their text encodings.
 */
async function zeroShot(c: Context<AppEnv>): Promise<Response> {
  const image = await ingestImage(c.req.raw, c.get('config'), c.get('timing'));
  const params = parseParams(ZeroShotParams, image.params);
  const manifest = textModel(params.model);
  const spec = textSpecOf(manifest, textModelIds());
  const prompts = params.candidate_labels.map((label) => fillTemplate(params.hypothesis_template, label));
  const [imageAnswer, texts] = await Promise.all([
    answerTask(c, embedTask, image, { model: manifest.id }),
    embedTexts(c, manifest, spec, prompts),
  ]);
  const imageVector = Float32Array.from((imageAnswer.body as { embedding: number[] }).embedding);
  const labels = zeroShotScores(imageVector, params.candidate_labels, texts.vectors, {
    logitScale: spec.logitScale,
    multiLabel: params.multi_label,
    bias: spec.multiLabelBias,
  });
  const hit = imageAnswer.hit && texts.hits.every(Boolean);
  return c.json({ labels, multi_label: params.multi_label, model: imageAnswer.model, image: summarize(image) }, 200, { 'x-cache': hit ? 'HIT' : 'MISS' });
}

export function registerZeroShot(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath(zeroShotRoute);
  app.post(zeroShotRoute.path, zeroShot);
}
