import { ApiError } from '../errors/api-error.ts';
import { decodeGifFirstFrame } from './gif.ts';
import { decodeJpeg, JpegError } from './jpeg/decode-jpeg.ts';
import type { ImageInfo } from './probe.ts';
import { applyOrientation, placeOnCanvas, rasterFromRgba, type Raster } from './raster.ts';
import { firstAnimationFrame } from './webp-frame.ts';

/**
 * Decodes probed bytes into an upright RGB raster, no larger than the task
 * needs. JPEG (nearly every photo) is decoded in TypeScript with DCT-domain
 * scaling: a 12 MP photo wanted at 224 px is decoded at 1/8 size without
 * ever holding its full-size pixels. PNG and WebP go through WASM codecs
 * (passed in, so Node tools can supply their own instances) at full size,
 * which is why their pixel cap is lower (MAX_FULL_DECODE_PIXELS).
 */
export interface RgbaImage {
  width: number;
  height: number;
  data: ArrayLike<number>;
}

export interface StillDecoders {
  png(bytes: Uint8Array): Promise<RgbaImage>;
  webp(bytes: Uint8Array): Promise<RgbaImage>;
}

/** The smallest upright size a task needs; the decoder may return more, never less (unless the image is smaller). */
export interface DecodeTarget {
  minWidth: number;
  minHeight: number;
}

export interface DecodeLimits {
  /** Pixels a decoder without decode-time scaling may allocate at full size. */
  maxFullDecodePixels: number;
}

function decoderFailure(info: ImageInfo, error: unknown): ApiError {
  const reason = error instanceof Error && error.message ? ` (${error.message.slice(0, 160)})` : '';
  return new ApiError(422, 'corrupt_image', `The ${info.format.toUpperCase()} could not be decoded${reason}.`);
}

function fromJpegError(error: JpegError): ApiError {
  switch (error.code) {
    case 'unsupported':
      return new ApiError(415, 'unsupported_media_type', `${error.message} Convert the image to baseline or progressive 8-bit JPEG.`);
    case 'too_large':
      return new ApiError(422, 'image_too_large', error.message);
    default:
      return new ApiError(422, 'corrupt_image', error.message);
  }
}

async function decodeStored(bytes: Uint8Array, info: ImageInfo, target: DecodeTarget | undefined, decoders: StillDecoders, limits: DecodeLimits, maxPixels: number): Promise<Raster> {
  if (info.format === 'jpeg') {
    if (info.components === 4) {
      // Without the image's ICC profile a CMYK->RGB conversion is visibly off
      // (measured: ~33 levels mean error against a colour-managed conversion).
      throw new ApiError(415, 'unsupported_media_type', 'CMYK and YCCK JPEGs are not supported: convert the image to RGB (sRGB) first.');
    }
    // The target is upright; the decoder works on stored pixels.
    const swap = info.orientation >= 5;
    const jpeg = decodeJpeg(bytes, {
      minWidth: swap ? target?.minHeight : target?.minWidth,
      minHeight: swap ? target?.minWidth : target?.minHeight,
      maxPixels,
    });
    return rasterFromRgba(jpeg.width, jpeg.height, jpeg.data);
  }
  const pixels = info.storedWidth * info.storedHeight;
  if (pixels > limits.maxFullDecodePixels) {
    throw new ApiError(
      422,
      'image_too_large',
      `${info.format.toUpperCase()} images are decoded at full size, so they are limited to ${limits.maxFullDecodePixels} pixels; this one has ${pixels}. Send a JPEG or a smaller image.`,
      { max_pixels: limits.maxFullDecodePixels },
    );
  }
  if (info.format === 'gif') return decodeGifFirstFrame(bytes);
  if (info.format === 'png') {
    const image = await decoders.png(bytes);
    return rasterFromRgba(image.width, image.height, image.data);
  }
  if (!info.animated) {
    const image = await decoders.webp(bytes);
    return rasterFromRgba(image.width, image.height, image.data);
  }
  const frame = firstAnimationFrame(bytes);
  if (!frame) throw new ApiError(422, 'corrupt_image', 'The animated WebP has no readable frame.');
  const image = await decoders.webp(frame.still);
  return placeOnCanvas(rasterFromRgba(image.width, image.height, image.data), info.storedWidth, info.storedHeight, frame.x, frame.y);
}

export async function decodeImage(
  bytes: Uint8Array,
  info: ImageInfo,
  options: { target?: DecodeTarget; decoders: StillDecoders; limits: DecodeLimits; maxPixels: number },
): Promise<Raster> {
  let stored: Raster;
  try {
    stored = await decodeStored(bytes, info, options.target, options.decoders, options.limits, options.maxPixels);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    if (error instanceof JpegError) throw fromJpegError(error);
    // WASM codecs throw bare numbers and strings; never echo them to clients.
    throw decoderFailure(info, error);
  }
  const scaled = info.format === 'jpeg';
  if (!scaled && (stored.width !== info.storedWidth || stored.height !== info.storedHeight)) {
    throw new ApiError(422, 'corrupt_image', `The ${info.format.toUpperCase()} decoded to a size its header does not declare.`);
  }
  return applyOrientation(stored, info.orientation);
}
