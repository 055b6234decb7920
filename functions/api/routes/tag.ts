import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../../../shared/http/app-env.ts';
import type { ImageVerdict } from '../../../shared/http/image-tags/headers.ts';
import { imageTags } from '../../../shared/http/image-tags/image-tags.ts';
import { ingestImage, type IngestedImage } from '../../../shared/ingest/ingest-image.ts';
import { fetchImageUrl } from '../../../shared/ingest/url/fetch-image-url.ts';
import { checkImageUrl } from '../../../shared/ingest/url/url-policy.ts';
import { answerTask } from '../../../shared/tasks/image-task.ts';
import { parseParams } from '../../../shared/tasks/params.ts';
import { ProblemSchema } from '../openapi/schemas.ts';
import { classifyTask } from './classify.ts';
import { moderateTask } from './moderate.ts';

/**
 * GET /v1/tag?url=: the image at the URL, passed through with its tags and
 * moderation verdict in `X-Image-Tags` and `X-Image-Moderation` (the
 * per-request tagging middleware, shared/http/image-tags/, mounted on this
 * route; the alt-text proxy mounts the same middleware on the images it serves).
 * The tags are /v1/classify's and the verdict /v1/moderate's, from the same
 * tasks and cache entries. The URL is fetched under the same SSRF policy as
 * every image URL (https, public hosts, or an origin in ALLOW_HTTP_ORIGINS).
 */
const TagParams = z
  .object({
    url: z.string().openapi({ description: 'https URL of the image.' }),
    top_k: z.coerce.number().int().min(1).max(20).default(5).openapi({ description: 'How many tags in X-Image-Tags.' }),
    policy: z.enum(['pass', 'placeholder', 'block']).default('pass').openapi({
      description: 'A flagged image: `pass` (default) is sent with the headers; `placeholder` is replaced by a neutral SVG; `block` answers 451.',
    }),
  })
  .strict();

const FORMAT_TYPES = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif' } as const;
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ProblemSchema } } });

export const tagRoute = createRoute({
  method: 'get',
  path: '/v1/tag',
  summary: 'Fetch an image by URL and return it with X-Image-Tags and X-Image-Moderation headers',
  tags: ['tasks'],
  request: { query: TagParams },
  responses: {
    200: {
      description: 'The image bytes as fetched (or, with `policy=placeholder` and a flagged image, an SVG placeholder)',
      headers: {
        'X-Image-Tags': { description: 'Top tags, an RFC 8941 list: `"tabby cat";score=0.62, "tiger cat";score=0.21`.', schema: { type: 'string' as const } },
        'X-Image-Moderation': {
          description: '`safe` or `flagged` (with `by="<categories>"`), one decimal parameter per category: `safe;drawing=0.01;hentai=0.0;neutral=0.97;porn=0.01;sexy=0.01`.',
          schema: { type: 'string' as const },
        },
      },
      content: { 'image/*': { schema: z.any().openapi({ type: 'string', format: 'binary' }) } },
    },
    400: problem('Invalid request (`invalid_request`, `url_not_allowed`)'),
    413: problem('Image over the byte cap (`payload_too_large`)'),
    415: problem('Not a supported image format (`unsupported_media_type`)'),
    422: problem('Corrupt, truncated or oversized image (`corrupt_image`, `image_too_large`)'),
    451: problem('With `policy=block`, the image was flagged (`content_blocked`); the headers still say why'),
    502: problem('The image URL could not be fetched (`fetch_failed`)'),
    504: problem('The image URL did not answer in time (`fetch_timeout`)'),
  },
});

/** The image again, as the ingestion pipeline sees it (probed, hashed, decoded on demand). */
function ingestBytes(c: Context<AppEnv>, bytes: Uint8Array): Promise<IngestedImage> {
  return ingestImage(new Request('https://tag.internal/', { method: 'POST', body: bytes }), c.get('config'), c.get('timing'));
}

/** Tags and verdict in this isolate, sharing /v1/classify's and /v1/moderate's cache entries. */
async function analyzeHere(c: Context<AppEnv>, bytes: Uint8Array): Promise<ImageVerdict> {
  const params = parseParams(TagParams, c.req.query());
  const image = await ingestBytes(c, bytes);
  // One model after the other: concurrent sessions only raise the isolate's peak memory.
  const tags = (await answerTask(c, classifyTask, image, { top_k: params.top_k })).body as { labels: ImageVerdict['tags'] };
  const moderation = (await answerTask(c, moderateTask, image, {})).body as ImageVerdict['moderation'];
  return { tags: tags.labels, moderation };
}

export function registerTag(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath(tagRoute);
  app.use(
    tagRoute.path,
    imageTags<AppEnv>({
      analyze: (c) => (bytes) => analyzeHere(c, bytes),
      policy: (c) => parseParams(TagParams, c.req.query()).policy,
      onError: 'throw',
    }),
  );
  app.get(tagRoute.path, async (c) => {
    const params = parseParams(TagParams, c.req.query());
    const config = c.get('config');
    const policy = { allowHttpOrigins: config.allowHttpOrigins };
    const fetched = await c.get('timing').measure('fetch', () =>
      fetchImageUrl(checkImageUrl(params.url, policy), { policy, timeoutMs: config.fetchTimeoutMs, maxBytes: config.maxImageBytes, maxRedirects: 3 }),
    );
    // Checked here (format, structure, pixel caps) so a bad image is a 4xx, not an untagged pass-through.
    const image = await ingestBytes(c, fetched.bytes);
    return c.body(fetched.bytes as Uint8Array<ArrayBuffer>, 200, { 'content-type': FORMAT_TYPES[image.info.format], 'cache-control': 'private, max-age=60' });
  });
}
