import type { ApiConfig } from '../config.ts';
import { sha256Hex } from '../hash/sha256.ts';
import { decodeImage, type DecodeTarget } from '../image/decode.ts';
import { wasmDecoders } from '../image/wasm-codecs.ts';
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
  /**
   * Upright pixels at least as large as `target` (the whole image when
   * omitted). Decoded once per request at the largest size asked for so far;
   * smaller requests reuse it.
   */
  pixels(target?: DecodeTarget): Promise<Raster>;
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
  let decoded: { target: DecodeTarget | undefined; raster: Promise<Raster> } | undefined;
  const covers = (have: DecodeTarget | undefined, want: DecodeTarget | undefined) =>
    have === undefined || (want !== undefined && have.minWidth >= want.minWidth && have.minHeight >= want.minHeight);
  return {
    bytes,
    info,
    sha256,
    source,
    params,
    pixels(target) {
      if (!decoded || !covers(decoded.target, target)) {
        const want = target && decoded?.target ? { minWidth: Math.max(target.minWidth, decoded.target.minWidth), minHeight: Math.max(target.minHeight, decoded.target.minHeight) } : target;
        const options = { target: want, decoders: wasmDecoders, limits: { maxFullDecodePixels: config.maxFullDecodePixels }, maxPixels: config.maxImagePixels };
        decoded = { target: want, raster: timing.measure('decode', () => decodeImage(bytes, info, options), info.format) };
      }
      return decoded.raster;
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
