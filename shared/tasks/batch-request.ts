import type { ApiConfig } from '../config.ts';
import { ApiError } from '../errors/api-error.ts';
import { parseJsonObject } from '../ingest/read-image-request.ts';
import { readCapped } from '../ingest/read-capped.ts';

/**
 * The envelope of POST /v1/batch: several images for one task.
 * - multipart/form-data: several `image` file fields, `task` and the task's
 *   parameters as text fields;
 * - JSON: `{"task": "classify", "images": [{"url"|"base64": ...}, ...], ...params}`.
 * Parameters may also come as query strings. Only the envelope is read here:
 * each image is ingested on its own later (byte cap, format, pixels, hash), so
 * one bad image fails its own item, not the batch.
 */
export interface BatchLimits {
  maxImages: number;
  /** Bytes of all images together (sent or fetched): the batch's share of the isolate's memory. */
  maxTotalBytes: number;
}

/** One image of the batch as sent: file bytes, or a JSON reference read like a single route's `image`. */
export type BatchImageSource = { bytes: Uint8Array } | { reference: unknown };

export interface BatchRequest {
  task: string;
  params: Record<string, unknown>;
  images: BatchImageSource[];
}

/** Room for the JSON or multipart envelope around the images (part headers, parameters). */
const ENVELOPE_BYTES = 64 * 1024;

export function batchLimits(config: ApiConfig): BatchLimits {
  // Every image of a batch is in memory at once: together they get the budget of one largest image.
  return { maxImages: 16, maxTotalBytes: config.maxImageBytes };
}

export async function readBatchRequest(request: Request, limits: BatchLimits): Promise<BatchRequest> {
  const mediaType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const declaredLength = request.headers.get('content-length');
  let envelope: { images: BatchImageSource[]; params: Record<string, unknown> };
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
    // base64 inflates by 4/3.
    const body = await readCapped(request.body, Math.ceil((limits.maxTotalBytes * 4) / 3) + ENVELOPE_BYTES, declaredLength, 'The batch');
    envelope = readJson(body);
  } else if (mediaType === 'multipart/form-data') {
    const body = await readCapped(request.body, limits.maxTotalBytes + ENVELOPE_BYTES, declaredLength, 'The batch');
    envelope = await readMultipart(body, request.headers.get('content-type')!, limits);
  } else {
    await request.body?.cancel().catch(() => {});
    throw new ApiError(400, 'invalid_request', 'POST /v1/batch takes multipart/form-data with several `image` files, or JSON `{"task": ..., "images": [{"url"|"base64": ...}]}`.');
  }
  const query = Object.fromEntries(new URL(request.url).searchParams);
  for (const name of Object.keys(query)) {
    if (name in envelope.params) {
      throw new ApiError(400, 'invalid_request', `The parameter \`${name}\` is given both in the query string and in the body; give it once.`, { field: name });
    }
  }
  const { task, ...params } = { ...query, ...envelope.params };
  if (typeof task !== 'string' || task === '') throw new ApiError(400, 'invalid_request', 'Name the task of the batch: `task`, e.g. `classify`.', { field: 'task' });
  const { images } = envelope;
  if (images.length === 0) throw new ApiError(400, 'empty_body', 'The batch has no images.', { field: 'images' });
  if (images.length > limits.maxImages) {
    throw new ApiError(413, 'payload_too_large', `A batch takes at most ${limits.maxImages} images; this one has ${images.length}.`, { field: 'images', max_images: limits.maxImages });
  }
  return { task, params, images };
}

function readJson(body: Uint8Array): { images: BatchImageSource[]; params: Record<string, unknown> } {
  const { images, ...params } = parseJsonObject(body, 'images', 'an `images` array');
  if (!Array.isArray(images)) throw new ApiError(400, 'invalid_request', '`images` must be an array of `{"url": ...}` or `{"base64": ...}`.', { field: 'images' });
  return { images: images.map((reference) => ({ reference })), params };
}

async function readMultipart(body: Uint8Array, contentType: string, limits: BatchLimits): Promise<{ images: BatchImageSource[]; params: Record<string, unknown> }> {
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new ApiError(400, 'invalid_request', 'The multipart body could not be parsed.');
  }
  const images: BatchImageSource[] = [];
  const params: Record<string, unknown> = {};
  let total = 0;
  for (const [name, value] of form) {
    if (name === 'image') {
      if (typeof value === 'string') throw new ApiError(400, 'invalid_request', 'Each multipart field `image` must be a file.', { field: 'image' });
      total += value.size;
      if (total > limits.maxTotalBytes) {
        throw new ApiError(413, 'payload_too_large', `The batch's images together are larger than the limit of ${limits.maxTotalBytes} bytes.`, { max_bytes: limits.maxTotalBytes });
      }
      images.push({ bytes: new Uint8Array(await value.arrayBuffer()) });
    } else if (typeof value === 'string') {
      if (name in params) throw new ApiError(400, 'invalid_request', `The multipart field \`${name}\` is given twice.`, { field: name });
      params[name] = value;
    } else {
      throw new ApiError(400, 'invalid_request', `The multipart field \`${name}\` must be text.`, { field: name });
    }
  }
  return { images, params };
}
