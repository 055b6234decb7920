import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ApiError } from '../../../shared/errors/api-error.ts';
import type { AppEnv } from '../../../shared/http/app-env.ts';
import { readCapped } from '../../../shared/ingest/read-capped.ts';
import type { ModelManifest } from '../../../shared/models/manifest.ts';
import { parseParams } from '../../../shared/tasks/params.ts';
import { embedTexts, textSpecOf } from '../../../shared/text/text-model.ts';
import { models } from '../../../shared/models/bundled.ts';
import { ProblemSchema } from '../openapi/schemas.ts';

/** The text model when a request names none: the image-text model the API is built around. */
export const DEFAULT_TEXT_MODEL = 'mobileclip-s0';
export const MAX_TEXTS = 32;
export const MAX_TEXT_CHARS = 1000;
/** 32 texts of 1000 characters, up to 4 UTF-8 bytes each, plus JSON: a cap well above any valid body. */
const MAX_BODY_BYTES = 256 * 1024;

/** Models with a text tower, for error messages. */
export function textModelIds(): string[] {
  return models().all.filter((m) => m.text && m.files.text).map((m) => m.id);
}

/** The requested (or default) model, which must have a text tower. */
export function textModel(id: string | undefined): ModelManifest {
  const manifest = models().byId(id ?? DEFAULT_TEXT_MODEL, 'embed');
  textSpecOf(manifest, textModelIds());
  return manifest;
}

const EmbedTextBody = z
  .object({
    text: z
      .array(z.string().max(MAX_TEXT_CHARS))
      .min(1)
      .max(MAX_TEXTS)
      .openapi({ description: `1 to ${MAX_TEXTS} texts, each up to ${MAX_TEXT_CHARS} characters (longer token sequences are cut at the model's 77 tokens).` }),
    model: z.string().optional().openapi({ description: `Image-text model id (GET /v1/models); default ${DEFAULT_TEXT_MODEL}.` }),
  })
  .strict();

const EmbedTextResult = z.object({
  embeddings: z.array(z.array(z.number())).openapi({ description: 'One L2-normalised vector per text, in order; in the same space as /v1/embed with the same model.' }),
  dim: z.number().int(),
  model: z.string(),
});

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ProblemSchema } } });

export const embedTextRoute = createRoute({
  method: 'post',
  path: '/v1/embed/text',
  summary: 'Text embeddings (L2-normalised) in an image-text model space, for text-to-image search',
  tags: ['tasks'],
  request: { body: { required: true, content: { 'application/json': { schema: EmbedTextBody } } } },
  responses: {
    200: {
      description: 'The embeddings',
      headers: {
        'X-Cache': { description: '`HIT` when every text was answered from the cache.', schema: { type: 'string' as const, enum: ['HIT', 'MISS'] } },
        'X-Cache-Hits': { description: 'How many of the texts came from the cache, e.g. `3/4`.', schema: { type: 'string' as const } },
      },
      content: { 'application/json': { schema: EmbedTextResult } },
    },
    400: problem('Invalid request (`invalid_request`, with `field`, e.g. `text.3` for a text over the length limit)'),
    413: problem('Body over the byte cap (`payload_too_large`)'),
    503: problem('The model is not installed (`model_not_installed`, with the command that installs it) or failed to load'),
  },
});

/** The JSON body as an object (the route takes JSON only). */
export async function readJsonBody(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  const bytes = await readCapped(c.req.raw.body, MAX_BODY_BYTES, c.req.header('content-length') ?? null);
  if (bytes.byteLength === 0) throw new ApiError(400, 'empty_body', 'The JSON body is empty: send `{"text": ["..."]}`.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new ApiError(400, 'invalid_request', 'The body is not valid JSON.');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ApiError(400, 'invalid_request', 'The JSON body must be an object: `{"text": ["..."]}`.', { field: 'text' });
  }
  return parsed as Record<string, unknown>;
}

export function registerEmbedText(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath(embedTextRoute);
  app.post(embedTextRoute.path, async (c) => {
    const params = parseParams(EmbedTextBody, await readJsonBody(c));
    const manifest = textModel(params.model);
    const spec = textSpecOf(manifest, textModelIds());
    const { vectors, hits } = await embedTexts(c, manifest, spec, params.text);
    const hitCount = hits.filter(Boolean).length;
    return c.json(
      { embeddings: vectors.map((v) => Array.from(v)), dim: spec.dims, model: `${manifest.id}@${manifest.version}` },
      200,
      { 'x-cache': hitCount === hits.length ? 'HIT' : 'MISS', 'x-cache-hits': `${hitCount}/${hits.length}` },
    );
  });
}
