import { ApiError } from '../errors/api-error.ts';
import type { ApiConfig } from '../config.ts';
import type { ServerTiming } from '../timing/server-timing.ts';
import { readCapped } from './read-capped.ts';
import { checkImageUrl } from './url/url-policy.ts';
import { fetchImageUrl } from './url/fetch-image-url.ts';

/**
 * Every image route accepts the image the same four ways: raw bytes,
 * multipart/form-data (field `image`), or JSON with `image.url` /
 * `image.base64` and the task's parameters beside it. Parameters may also
 * come as query strings. The Content-Type only chooses the envelope; the
 * image format is always read from the bytes later.
 */
export type ImageSource = 'body' | 'multipart' | 'base64' | 'url';

export interface ImageRequest {
  bytes: Uint8Array;
  source: ImageSource;
  /** Task parameters from the query string and the JSON or multipart fields, unvalidated. */
  params: Record<string, unknown>;
}

/** Room for the JSON or multipart envelope around the image. */
const ENVELOPE_BYTES = 64 * 1024;

export async function readImageRequest(request: Request, config: ApiConfig, timing: ServerTiming): Promise<ImageRequest> {
  const mediaType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const queryParams = Object.fromEntries(new URL(request.url).searchParams);
  const declaredLength = request.headers.get('content-length');

  let result: ImageRequest;
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
    // base64 inflates by 4/3.
    const cap = Math.ceil((config.maxImageBytes * 4) / 3) + ENVELOPE_BYTES;
    const body = await readCapped(request.body, cap, declaredLength);
    result = await readJsonEnvelope(body, config, timing);
  } else if (mediaType === 'multipart/form-data') {
    const body = await readCapped(request.body, config.maxImageBytes + ENVELOPE_BYTES, declaredLength);
    result = await readMultipart(body, request.headers.get('content-type')!, config);
  } else {
    const bytes = await readCapped(request.body, config.maxImageBytes, declaredLength);
    result = { bytes, source: 'body', params: {} };
  }

  if (result.bytes.byteLength === 0) {
    throw new ApiError(400, 'empty_body', 'No image was sent: send the image bytes, a multipart field `image`, or JSON `{"image": {"url"|"base64": ...}}`.');
  }
  if (result.bytes.byteLength > config.maxImageBytes) {
    throw new ApiError(413, 'payload_too_large', `The image is larger than the limit of ${config.maxImageBytes} bytes.`, {
      max_bytes: config.maxImageBytes,
    });
  }
  for (const name of Object.keys(queryParams)) {
    if (name in result.params) {
      throw new ApiError(400, 'invalid_request', `The parameter \`${name}\` is given both in the query string and in the body; give it once.`, {
        field: name,
      });
    }
  }
  return { ...result, params: { ...queryParams, ...result.params } };
}

/** A JSON body that must be an object; `field` names what it must hold, for the error. */
export function parseJsonObject(body: Uint8Array, field: string, holding: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new ApiError(400, 'invalid_request', 'The body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ApiError(400, 'invalid_request', `The JSON body must be an object with ${holding}.`, { field });
  }
  return parsed as Record<string, unknown>;
}

async function readJsonEnvelope(body: Uint8Array, config: ApiConfig, timing: ServerTiming): Promise<ImageRequest> {
  if (body.byteLength === 0) throw new ApiError(400, 'empty_body', 'The JSON body is empty.');
  const { image, ...params } = parseJsonObject(body, 'image', 'an `image` field');
  if (typeof image !== 'object' || image === null || Array.isArray(image)) {
    throw new ApiError(400, 'invalid_request', 'The JSON body needs `image`: `{"url": "https://..."}` or `{"base64": "..."}`.', {
      field: 'image',
    });
  }
  const keys = Object.keys(image);
  const unknown = keys.filter((key) => key !== 'url' && key !== 'base64');
  if (unknown.length > 0 || keys.length !== 1) {
    throw new ApiError(400, 'invalid_request', '`image` must have exactly one of `url` or `base64`.', {
      field: unknown.length > 0 ? `image.${unknown[0]}` : 'image',
    });
  }
  const { url, base64 } = image as { url?: unknown; base64?: unknown };
  if (typeof base64 === 'string') {
    return { bytes: decodeBase64(base64), source: 'base64', params };
  }
  if (typeof url === 'string') {
    const checked = checkImageUrl(url, { allowHttpOrigins: config.allowHttpOrigins });
    const fetched = await timing.measure('fetch', () =>
      fetchImageUrl(checked, {
        policy: { allowHttpOrigins: config.allowHttpOrigins },
        timeoutMs: config.fetchTimeoutMs,
        maxBytes: config.maxImageBytes,
        maxRedirects: 3,
      }),
    );
    return { bytes: fetched.bytes, source: 'url', params };
  }
  throw new ApiError(400, 'invalid_request', `\`image.${keys[0]}\` must be a string.`, { field: `image.${keys[0]}` });
}

function decodeBase64(text: string): Uint8Array {
  // Accept data: URLs and line-wrapped base64, as browsers and CLIs produce them.
  const payload = text.startsWith('data:') ? text.slice(text.indexOf(',') + 1) : text;
  const clean = payload.replace(/[\s]/g, '').replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) {
    throw new ApiError(400, 'invalid_request', '`image.base64` is not valid base64.', { field: 'image.base64' });
  }
  let binary: string;
  try {
    binary = atob(clean);
  } catch {
    throw new ApiError(400, 'invalid_request', '`image.base64` is not valid base64.', { field: 'image.base64' });
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function readMultipart(body: Uint8Array, contentType: string, config: ApiConfig): Promise<ImageRequest> {
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new ApiError(400, 'invalid_request', 'The multipart body could not be parsed.');
  }
  const params: Record<string, unknown> = {};
  let image: Uint8Array | undefined;
  for (const [name, value] of form) {
    if (name === 'image') {
      if (typeof value === 'string') {
        throw new ApiError(400, 'invalid_request', 'The multipart field `image` must be a file.', { field: 'image' });
      }
      if (image) throw new ApiError(400, 'invalid_request', 'Send one `image` field per request.', { field: 'image' });
      image = new Uint8Array(await value.arrayBuffer());
    } else if (typeof value === 'string') {
      params[name] = value;
    } else {
      throw new ApiError(400, 'invalid_request', `The multipart field \`${name}\` must be text.`, { field: name });
    }
  }
  if (!image) throw new ApiError(400, 'empty_body', 'The multipart body has no `image` file field.', { field: 'image' });
  if (image.byteLength > config.maxImageBytes) {
    throw new ApiError(413, 'payload_too_large', `The image is larger than the limit of ${config.maxImageBytes} bytes.`);
  }
  return { bytes: image, source: 'multipart', params };
}
