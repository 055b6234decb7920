import type { ApiConfig } from '../config.ts';
import { sha256Hex } from '../hash/sha256.ts';
import { decodeImage } from '../image/decode.ts';
import { probeImage, type ImageInfo } from '../image/probe.ts';
import type { Raster } from '../image/raster.ts';
import type { ServerTiming } from '../timing/server-timing.ts';
import { readImageRequest, type ImageSource } from './read-image-request.ts';

/**
 * An image accepted by the API: its bytes passed the byte cap, its header
 * passed the format, structure and pixel checks, and its content hash is
 * known. Pixels are decoded only when a task needs them (a cache hit never
 * decodes), and at most once per request however many tasks ask.
 */
export interface IngestedImage {
  bytes: Uint8Array;
  info: ImageInfo;
  sha256: string;
  source: ImageSource;
  params: Record<string, unknown>;
  pixels(): Promise<Raster>;
}

/** The `image` object every task response carries. */
export interface ImageSummary {
  sha256: string;
  width: number;
  height: number;
  format: ImageInfo['format'];
  animated?: true;
}

export async function ingestImage(request: Request, config: ApiConfig, timing: ServerTiming): Promise<IngestedImage> {
  const { bytes, source, params } = await readImageRequest(request, config, timing);
  const info = probeImage(bytes, { maxPixels: config.maxImagePixels });
  const sha256 = await timing.measure('hash', () => sha256Hex(bytes));
  let decoded: Promise<Raster> | undefined;
  return {
    bytes,
    info,
    sha256,
    source,
    params,
    pixels() {
      decoded ??= timing.measure('decode', () => decodeImage(bytes, info), info.format);
      return decoded;
    },
  };
}

export function summarize(image: IngestedImage): ImageSummary {
  return {
    sha256: image.sha256,
    width: image.info.width,
    height: image.info.height,
    format: image.info.format,
    ...(image.info.animated ? { animated: true as const } : {}),
  };
}
