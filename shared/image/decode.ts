import decodeMozJpeg, { init as initMozJpeg } from '@jsquash/jpeg/decode.js';
import decodePngWasm, { init as initPng } from '@jsquash/png/decode.js';
import decodeWebpWasm, { init as initWebp } from '@jsquash/webp/decode.js';
import { ApiError } from '../errors/api-error.ts';
import { decodeGifFirstFrame } from './gif.ts';
import type { ImageInfo } from './probe.ts';
import { mozjpegDecoderWasm, pngDecoderWasm, webpDecoderWasm } from './wasm-modules.ts';
import { applyOrientation, placeOnCanvas, rasterFromRgba, type Raster } from './raster.ts';
import { firstAnimationFrame } from './webp-frame.ts';

/**
 * Decodes probed bytes into an upright RGB raster. Each codec's WASM is a
 * module imported at build time and instantiated on first use in an isolate,
 * not at import, so routes that never see a WebP never pay for its codec.
 */
type Codec = (bytes: Uint8Array, info: ImageInfo) => Promise<Raster>;

const codecsReady: Partial<Record<'jpeg' | 'png' | 'webp', Promise<unknown>>> = {};

function ready(name: 'jpeg' | 'png' | 'webp'): Promise<unknown> {
  codecsReady[name] ??= name === 'jpeg' ? initMozJpeg(mozjpegDecoderWasm) : name === 'png' ? initPng(pngDecoderWasm) : initWebp(webpDecoderWasm);
  return codecsReady[name]!;
}

/** The codecs hand back buffers that may be views into larger memory: copy exactly the bytes. */
function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.byteLength === bytes.byteLength && bytes.byteOffset === 0
    ? (bytes.buffer as ArrayBuffer)
    : (bytes.slice().buffer as ArrayBuffer);
}

function decoderFailure(info: ImageInfo, error: unknown): ApiError {
  // mozjpeg throws bare numbers and strings; never echo them to clients.
  const reason = error instanceof Error && error.message ? ` (${error.message.slice(0, 120)})` : '';
  return new ApiError(422, 'corrupt_image', `The ${info.format.toUpperCase()} could not be decoded${reason}.`);
}

const CODECS: Record<ImageInfo['format'], Codec> = {
  async jpeg(bytes, info) {
    if (info.components === 4) {
      throw new ApiError(415, 'unsupported_media_type', 'CMYK and YCCK JPEGs are not supported: convert the image to RGB (sRGB) first.');
    }
    await ready('jpeg');
    // preserveOrientation: the raw stored pixels; orientation is applied after downscaling, where it is cheap.
    const image = await decodeMozJpeg(toArrayBuffer(bytes), { preserveOrientation: false });
    return rasterFromRgba(image.width, image.height, image.data);
  },
  async png(bytes) {
    await ready('png');
    const image = await decodePngWasm(toArrayBuffer(bytes));
    return rasterFromRgba(image.width, image.height, image.data);
  },
  async webp(bytes, info) {
    await ready('webp');
    if (!info.animated) {
      const image = await decodeWebpWasm(toArrayBuffer(bytes));
      return rasterFromRgba(image.width, image.height, image.data);
    }
    const frame = firstAnimationFrame(bytes);
    if (!frame) throw new ApiError(422, 'corrupt_image', 'The animated WebP has no readable frame.');
    const image = await decodeWebpWasm(toArrayBuffer(frame.still));
    return placeOnCanvas(rasterFromRgba(image.width, image.height, image.data), info.storedWidth, info.storedHeight, frame.x, frame.y);
  },
  async gif(bytes) {
    return decodeGifFirstFrame(bytes);
  },
};

export async function decodeImage(bytes: Uint8Array, info: ImageInfo): Promise<Raster> {
  let stored: Raster;
  try {
    stored = await CODECS[info.format](bytes, info);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw decoderFailure(info, error);
  }
  if (stored.width !== info.storedWidth || stored.height !== info.storedHeight) {
    throw new ApiError(422, 'corrupt_image', `The ${info.format.toUpperCase()} decoded to a size its header does not declare.`);
  }
  return applyOrientation(stored, info.orientation);
}
