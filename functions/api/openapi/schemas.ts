import { z } from '@hono/zod-openapi';

/** Shapes shared by every route's OpenAPI description. */
export const ProblemSchema = z
  .object({
    type: z.string().url(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().openapi({ description: 'Stable machine-readable error code, e.g. `corrupt_image`.' }),
    field: z.string().optional().openapi({ description: 'The request field at fault, when there is one.' }),
  })
  .openapi('Problem');

export const ImageSummarySchema = z
  .object({
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    width: z.number().int().openapi({ description: 'Upright width in pixels (after EXIF orientation).' }),
    height: z.number().int(),
    format: z.enum(['jpeg', 'png', 'webp', 'gif']),
    animated: z.literal(true).optional().openapi({ description: 'Present when the image has several frames; the first frame is analysed.' }),
  })
  .openapi('ImageSummary');

const ImageReference = z
  .union([
    z.object({ url: z.string().url().openapi({ description: 'https URL of the image (fetched with SSRF protection, redirects re-checked).' }) }),
    z.object({ base64: z.string().openapi({ description: 'The image bytes, base64 (a data: URL is accepted).' }) }),
  ])
  .openapi('ImageReference');

/** The four ways to send an image, documented once for every task route. */
export function imageRequestBody(params: z.ZodObject) {
  return {
    required: true,
    description: 'The image: raw bytes, a multipart field `image`, or JSON with `image` and the parameters beside it. The format is read from the bytes (JPEG, PNG, WebP, GIF).',
    content: {
      'image/*': { schema: z.any().openapi({ type: 'string', format: 'binary' }) },
      'application/octet-stream': { schema: z.any().openapi({ type: 'string', format: 'binary' }) },
      'multipart/form-data': { schema: params.extend({ image: z.any().openapi({ type: 'string', format: 'binary' }) }) },
      'application/json': { schema: params.extend({ image: ImageReference }) },
    },
  };
}

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ProblemSchema } } });

export function imageTaskResponses(result: z.ZodType, description: string) {
  return {
    200: {
      description,
      headers: {
        'X-Cache': { description: '`HIT` when answered from the content-hash cache.', schema: { type: 'string' as const, enum: ['HIT', 'MISS'] } },
        'Server-Timing': { description: 'Stage durations: fetch, hash, cache, decode, preprocess, infer.', schema: { type: 'string' as const } },
      },
      content: { 'application/json': { schema: result } },
    },
    400: problem('Invalid request (`empty_body`, `invalid_request`, `url_not_allowed`)'),
    413: problem('Body over the byte cap (`payload_too_large`)'),
    415: problem('Not a supported image format (`unsupported_media_type`)'),
    422: problem('Corrupt, truncated or oversized image (`corrupt_image`, `image_too_large`)'),
    502: problem('The image URL could not be fetched (`fetch_failed`)'),
    504: problem('The image URL did not answer in time (`fetch_timeout`)'),
  };
}
