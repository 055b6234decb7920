import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { answerFromBackend } from '../../../shared/backend/call.ts';
import type { VqaAnswer } from '../../../shared/backend/types.ts';
import { sha256Hex } from '../../../shared/hash/sha256.ts';
import type { AppEnv } from '../../../shared/http/app-env.ts';
import { ingestImage } from '../../../shared/ingest/ingest-image.ts';
import { parseParams } from '../../../shared/tasks/params.ts';
import { imageRequestBody, imageTaskResponses, ProblemSchema } from '../openapi/schemas.ts';

/**
 * Visual question answering on the GPU backend. There is no edge fallback:
 * no edge model answers free-form questions, and an answer guessed from tags
 * would be a made-up one. Without a backend: 503 backend_unavailable.
 */
export const MAX_QUESTION_CHARS = 300;

const VqaParams = z
  .object({
    question: z
      .string()
      .transform((q) => q.replace(/\s+/g, ' ').trim())
      .pipe(z.string().min(1, 'must not be empty').max(MAX_QUESTION_CHARS, `must be at most ${MAX_QUESTION_CHARS} characters`))
      .openapi({ description: `The question (at most ${MAX_QUESTION_CHARS} characters).`, type: 'string' }),
    top_k: z.coerce.number().int().min(1).max(10).default(3).openapi({ description: 'Most answers returned, best first (task endpoints; a chat model gives one).' }),
  })
  .strict();

const VqaResult = z
  .object({
    answers: z.array(z.object({ answer: z.string(), score: z.number().min(0).max(1).nullable().openapi({ description: 'null when the model gives no score (chat models).' }) })),
    source: z.string().openapi({ description: '`<backend>:<model>`.' }),
  })
  .openapi('VqaAnswer');

const backendProblem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ProblemSchema } } });

export const vqaRoute = createRoute({
  method: 'post',
  path: '/v1/vqa',
  summary: 'Answer a question about an image (GPU backend)',
  tags: ['tasks'],
  request: { query: VqaParams, body: imageRequestBody(VqaParams) },
  responses: {
    ...imageTaskResponses(VqaResult, 'Answers, best first'),
    502: backendProblem('The image URL could not be fetched (`fetch_failed`) or the backend failed or answered malformed data (`backend_failed`)'),
    503: backendProblem('No backend configured, model loading past the budget, or circuit open (`backend_unavailable`, with `retry_after` when known)'),
    504: backendProblem('The image URL (`fetch_timeout`) or the backend (`backend_timeout`) did not answer in time'),
  },
});

export function registerVqa(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath(vqaRoute);
  app.post(vqaRoute.path, async (c) => {
    const image = await ingestImage(c.req.raw, c.get('config'), c.get('timing'));
    const params = parseParams(VqaParams, image.params);
    // Cached by the question's hash (never its text in a key), beside the image hash and model.
    const questionHash = await sha256Hex(params.question);
    const { result, hit, model } = await answerFromBackend<VqaAnswer[]>(c, image, {
      task: 'vqa',
      params: (m) => (m.prompted ? { question_sha256: questionHash } : { question_sha256: questionHash, top_k: params.top_k }),
      invoke: (backend, img, signal) => backend.vqa(img, { question: params.question, topK: params.top_k }, signal),
    });
    return c.json({ answers: result.slice(0, params.top_k), source: model.source }, 200, { 'x-cache': hit ? 'HIT' : 'MISS' });
  });
}
