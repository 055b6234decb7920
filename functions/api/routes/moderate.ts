import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError } from '../../../shared/errors/api-error.ts';
import type { AppEnv } from '../../../shared/http/app-env.ts';
import type { ModelManifest } from '../../../shared/models/manifest.ts';
import { runImageTask, type ImageTask } from '../../../shared/tasks/image-task.ts';
import { inferImage } from '../../../shared/tasks/infer-image.ts';
import { round } from '../../../shared/tasks/rank-labels.ts';
import { models } from '../../../shared/models/bundled.ts';
import { imageRequestBody, imageTaskResponses, ImageSummarySchema } from '../openapi/schemas.ts';

/**
 * Default thresholds that set `flagged`: explicit content (porn, hentai) at
 * 0.5; suggestive (sexy) only when the model is quite sure, since swimwear
 * and fashion photos score there. Operators override them with the
 * MODERATION_THRESHOLDS var (JSON), callers per request with `thresholds`.
 */
export const DEFAULT_THRESHOLDS: Record<string, number> = { porn: 0.5, hentai: 0.5, sexy: 0.8 };

const Thresholds = z.record(z.string(), z.number().min(0).max(1));

const ModerateParams = z
  .object({
    model: z.string().optional().openapi({ description: 'Moderation model id; default nsfw-mobilenet-v2.' }),
    thresholds: z
      .preprocess((value) => (typeof value === 'string' ? safeJson(value) : value), Thresholds)
      .optional()
      .openapi({ description: 'Per-category score at or above which the image is flagged, e.g. {"porn":0.3}. Replaces the defaults for the categories it names.' }),
  })
  .strict();

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const ModerateResult = z.object({
  categories: z.record(z.string(), z.number()).openapi({ description: 'drawing, hentai, neutral, porn, sexy: probabilities summing to 1.' }),
  flagged: z.boolean(),
  flagged_categories: z.array(z.string()),
  thresholds: z.record(z.string(), z.number()),
  model: z.string(),
  image: ImageSummarySchema,
});

export const moderateRoute = createRoute({
  method: 'post',
  path: '/v1/moderate',
  summary: 'Moderation scores (drawing, hentai, neutral, porn, sexy) and a flag from configurable thresholds',
  tags: ['tasks'],
  request: { query: ModerateParams, body: imageRequestBody(ModerateParams) },
  responses: imageTaskResponses(ModerateResult, 'Scores per category and the verdict'),
});

function operatorThresholds(raw: string | undefined): Record<string, number> {
  if (!raw) return DEFAULT_THRESHOLDS;
  const parsed = Thresholds.safeParse(safeJson(raw));
  if (!parsed.success) throw new ApiError(500, 'internal_error', 'Server misconfigured: MODERATION_THRESHOLDS must be a JSON object of scores in [0, 1].');
  return parsed.data;
}

export const moderateTask: ImageTask<typeof ModerateParams, { categories: Record<string, number> }, ModelManifest> = {
      task: 'moderate',
      params: ModerateParams,
      cacheParams: ({ model }) => ({ model }),
      model: (params) => (params.model ? models().byId(params.model, 'moderate') : models().defaultFor('moderate')),
      preprocess: 'p1',
      async run(c, image, _params, manifest) {
        const { model, output } = await inferImage(c, manifest, image);
        const labels = model.labels ?? [];
        return { categories: Object.fromEntries(labels.map((label, i) => [label.toLowerCase(), round(output.values[i] ?? 0)])) };
      },
      // The verdict is computed per request from cached scores, so changing thresholds never needs a new inference.
      present: (c, result, params) => {
        const thresholds = { ...operatorThresholds(c.env.MODERATION_THRESHOLDS), ...params.thresholds };
        const flaggedCategories = Object.entries(thresholds)
          .filter(([category, threshold]) => (result.categories[category] ?? 0) >= threshold)
          .map(([category]) => category);
        return { ...result, flagged: flaggedCategories.length > 0, flagged_categories: flaggedCategories, thresholds };
      },
};

export function registerModerate(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath(moderateRoute);
  app.post(moderateRoute.path, (c) => runImageTask(c, moderateTask));
}
