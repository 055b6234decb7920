import type { ApiConfig } from '../config.ts';
import { ApiError } from '../errors/api-error.ts';
import { ingestImage, type IngestedImage } from '../ingest/ingest-image.ts';
import type { ServerTiming } from '../timing/server-timing.ts';
import type { BatchImageSource } from './batch-request.ts';

/**
 * Ingests one image of a batch through exactly the path of a single-image
 * request (byte cap, URL policy and fetch, format and pixel checks, hash):
 * the item is handed to ingestImage as the request a client would send for it
 * alone. `budget` is what is left of the batch's total bytes; an image past
 * it fails alone, with the batch limit named.
 */
export async function ingestBatchImage(source: BatchImageSource, config: ApiConfig, timing: ServerTiming, budget: number): Promise<IngestedImage> {
  const request =
    'bytes' in source
      ? new Request('https://batch.item/', { method: 'POST', body: source.bytes, headers: { 'content-type': 'application/octet-stream' } })
      : new Request('https://batch.item/', { method: 'POST', body: JSON.stringify({ image: source.reference }), headers: { 'content-type': 'application/json' } });
  const capped = budget < config.maxImageBytes;
  try {
    return await ingestImage(request, capped ? { ...config, maxImageBytes: Math.max(0, budget) } : config, timing);
  } catch (error) {
    if (capped && error instanceof ApiError && error.code === 'payload_too_large') {
      throw new ApiError(413, 'payload_too_large', 'This image takes the batch past its limit on the bytes of all its images together.', {
        max_bytes: config.maxImageBytes,
      });
    }
    throw error;
  }
}
