import { ApiError } from '../errors/api-error.ts';

/**
 * Reads what an image is from its bytes alone (never from a Content-Type) and
 * checks its container structure before any decoder sees it. Decoders are
 * given only inputs that passed here, so a decompression bomb or a truncated
 * file is answered from the header in microseconds, without allocating pixels.
 */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif';

export interface ImageInfo {
  format: ImageFormat;
  /** Stored dimensions, before EXIF orientation. */
  storedWidth: number;
  storedHeight: number;
  /** Upright dimensions (after EXIF orientation): what every response reports. */
  width: number;
  height: number;
  /** EXIF orientation 1-8 (JPEG only; 1 otherwise). */
  orientation: number;
  animated: boolean;
  frames: number;
  progressive: boolean;
  /** Components per pixel as stored (JPEG: 1 grey, 3 YCbCr, 4 CMYK/YCCK). */
  components: number;
  bitDepth: number;
}

export interface ProbeLimits {
  maxPixels: number;
}

const unsupported = (detail: string) => new ApiError(415, 'unsupported_media_type', detail);
const corrupt = (detail: string) => new ApiError(422, 'corrupt_image', detail);

export function probeImage(bytes: Uint8Array, limits: ProbeLimits): ImageInfo {
  if (bytes.length === 0) throw new ApiError(400, 'empty_body', 'The image is empty.');
  const format = sniffFormat(bytes);
  const info = PROBES[format](bytes);
  if (info.storedWidth < 1 || info.storedHeight < 1) throw corrupt(`The ${format} header declares a zero dimension.`);
  const pixels = info.storedWidth * info.storedHeight * Math.max(1, info.frames);
  if (pixels > limits.maxPixels) {
    throw new ApiError(
      422,
      'image_too_large',
      `The image declares ${info.storedWidth}x${info.storedHeight}` +
        (info.frames > 1 ? ` x ${info.frames} frames` : '') +
        ` = ${pixels} pixels; the limit is ${limits.maxPixels} pixels.`,
      { max_pixels: limits.maxPixels },
    );
  }
  return info;
}

const NAMED_UNSUPPORTED: Array<[string, (b: Uint8Array) => boolean]> = [
  ['PDF', (b) => ascii(b, 0, 5) === '%PDF-'],
  ['TIFF', (b) => ascii(b, 0, 4) === 'II*\0' || ascii(b, 0, 4) === 'MM\0*'],
  ['BMP', (b) => ascii(b, 0, 2) === 'BM'],
  ['HEIC/AVIF', (b) => ascii(b, 4, 8) === 'ftyp'],
  ['ICO', (b) => b[0] === 0 && b[1] === 0 && b[2] === 1 && b[3] === 0],
  ['JPEG XL', (b) => (b[0] === 0xff && b[1] === 0x0a) || ascii(b, 4, 8) === 'JXL '],
  ['SVG or other text', (b) => /^\s*</.test(ascii(b, 0, 64))],
];

export function sniffFormat(bytes: Uint8Array): ImageFormat {
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (ascii(bytes, 0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp';
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return 'gif';
  const named = NAMED_UNSUPPORTED.find(([, test]) => test(bytes));
  throw unsupported(
    (named ? `${named[0]} is not supported.` : 'The bytes are not a recognised image.') +
      ' Send JPEG, PNG, WebP or GIF; the format is read from the bytes, not the Content-Type.',
  );
}

const PROBES: Record<ImageFormat, (bytes: Uint8Array) => ImageInfo> = {
  jpeg: probeJpeg,
  png: probePng,
  webp: probeWebp,
  gif: probeGif,
};

function ascii(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end && i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

function u16be(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}
function u32be(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
function u16le(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}
function u24le(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16);
}
function u32le(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

function uprightInfo(base: Omit<ImageInfo, 'width' | 'height'>): ImageInfo {
  const swap = base.orientation >= 5;
  return { ...base, width: swap ? base.storedHeight : base.storedWidth, height: swap ? base.storedWidth : base.storedHeight };
}

// ---------------------------------------------------------------- JPEG

function probeJpeg(b: Uint8Array): ImageInfo {
  let offset = 2;
  let orientation = 1;
  let frame: { width: number; height: number; components: number; precision: number; progressive: boolean } | undefined;
  while (offset + 4 <= b.length) {
    if (b[offset] !== 0xff) throw corrupt('The JPEG has bytes between segments where a marker was expected.');
    const marker = b[offset + 1]!;
    if (marker === 0xff) {
      offset++; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      offset += 2;
      continue;
    }
    const length = u16be(b, offset + 2);
    if (length < 2 || offset + 2 + length > b.length) throw corrupt('The JPEG is truncated inside its header.');
    const body = offset + 4;
    if (marker === 0xda) {
      if (!frame) throw corrupt('The JPEG has image data before its frame header.');
      if (!hasEndOfImage(b, offset + 2 + length)) {
        throw corrupt('The JPEG is truncated: its data ends before the end-of-image marker.');
      }
      return uprightInfo({
        format: 'jpeg',
        storedWidth: frame.width,
        storedHeight: frame.height,
        orientation,
        animated: false,
        frames: 1,
        progressive: frame.progressive,
        components: frame.components,
        bitDepth: frame.precision,
      });
    }
    if (marker === 0xe1 && ascii(b, body, body + 6) === 'Exif\0\0') {
      orientation = readExifOrientation(b.subarray(body + 6, offset + 2 + length)) ?? orientation;
    } else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (marker === 0xc3 || marker === 0xc7 || marker === 0xcb || marker === 0xcf) {
        throw unsupported('Lossless JPEG is not supported.');
      }
      if (marker >= 0xc9) throw unsupported('Arithmetic-coded JPEG is not supported.');
      if (length < 8) throw corrupt('The JPEG frame header is too short.');
      frame = {
        precision: b[body]!,
        height: u16be(b, body + 1),
        width: u16be(b, body + 3),
        components: b[body + 5]!,
        progressive: marker === 0xc2 || marker === 0xc6,
      };
      if (frame.precision !== 8) throw unsupported(`${frame.precision}-bit JPEG is not supported; send 8-bit JPEG.`);
      if (frame.height === 0) throw unsupported('JPEG with the height defined later (DNL marker) is not supported.');
      if (frame.components !== 1 && frame.components !== 3 && frame.components !== 4) {
        throw corrupt(`The JPEG declares ${frame.components} colour components.`);
      }
    }
    offset += 2 + length;
  }
  throw corrupt('The JPEG is truncated: no image data was found.');
}

/**
 * Entropy-coded data never contains FF D9 except as the end-of-image marker
 * (0xFF is stuffed as FF 00), so finding it after the first scan means every
 * scan is complete. Without it the file was cut short, and WASM decoders would
 * silently fill the missing rows with grey.
 */
function hasEndOfImage(b: Uint8Array, from: number): boolean {
  for (let i = b.length - 2; i >= from; i--) {
    if (b[i] === 0xff && b[i + 1] === 0xd9) return true;
  }
  return false;
}

/** The orientation tag (0x0112) of IFD0, or undefined when absent or malformed (malformed EXIF is ignored, not fatal). */
export function readExifOrientation(tiff: Uint8Array): number | undefined {
  if (tiff.length < 8) return undefined;
  const little = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!little && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return undefined;
  const u16 = (o: number) => (little ? u16le(tiff, o) : u16be(tiff, o));
  const u32 = (o: number) => (little ? u32le(tiff, o) : u32be(tiff, o));
  if (u16(2) !== 42) return undefined;
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return undefined;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.length) return undefined;
    if (u16(entry) === 0x0112) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : undefined;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------- PNG

function probePng(b: Uint8Array): ImageInfo {
  let offset = 8;
  let width = 0;
  let height = 0;
  let bitDepth = 8;
  let frames = 1;
  let animated = false;
  let sawData = false;
  let first = true;
  while (offset + 12 <= b.length) {
    const length = u32be(b, offset);
    const type = ascii(b, offset + 4, offset + 8);
    const end = offset + 12 + length;
    if (end > b.length) throw corrupt(`The PNG is truncated inside its ${type} chunk.`);
    if (first && type !== 'IHDR') throw corrupt('The PNG does not start with its IHDR chunk.');
    first = false;
    const data = offset + 8;
    if (type === 'IHDR') {
      if (length !== 13) throw corrupt('The PNG IHDR chunk has the wrong length.');
      width = u32be(b, data);
      height = u32be(b, data + 4);
      bitDepth = b[data + 8]!;
      if (width > 0x7fffffff || height > 0x7fffffff) throw corrupt('The PNG declares impossible dimensions.');
    } else if (type === 'acTL' && length >= 8) {
      frames = Math.max(1, u32be(b, data));
      animated = frames > 1;
    } else if (type === 'IDAT') {
      sawData = true;
    } else if (type === 'IEND') {
      if (!sawData) throw corrupt('The PNG has no image data.');
      return uprightInfo({
        format: 'png',
        storedWidth: width,
        storedHeight: height,
        orientation: 1,
        animated,
        frames,
        progressive: false,
        components: 4,
        bitDepth,
      });
    }
    offset = end;
  }
  throw corrupt('The PNG is truncated: the IEND chunk is missing.');
}

// ---------------------------------------------------------------- WebP

function probeWebp(b: Uint8Array): ImageInfo {
  const riffSize = u32le(b, 4);
  if (riffSize + 8 > b.length) throw corrupt('The WebP is truncated: the file is shorter than its RIFF header says.');
  const end = riffSize + 8;
  let offset = 12;
  let canvas: { width: number; height: number } | undefined;
  let animated = false;
  let frames = 0;
  let hasAlpha = false;
  while (offset + 8 <= end) {
    const type = ascii(b, offset, offset + 4);
    const size = u32le(b, offset + 4);
    const data = offset + 8;
    if (data + size > end) throw corrupt(`The WebP is truncated inside its ${type.trim()} chunk.`);
    if (type === 'VP8X' && size >= 10) {
      const flags = b[data]!;
      animated = (flags & 0x02) !== 0;
      hasAlpha = (flags & 0x10) !== 0;
      canvas = { width: u24le(b, data + 4) + 1, height: u24le(b, data + 7) + 1 };
    } else if (type === 'ANMF') {
      frames++;
    } else if (type === 'VP8 ' && size >= 10) {
      if (b[data + 3] !== 0x9d || b[data + 4] !== 0x01 || b[data + 5] !== 0x2a) throw corrupt('The WebP VP8 frame has a bad start code.');
      canvas ??= { width: u16le(b, data + 6) & 0x3fff, height: u16le(b, data + 8) & 0x3fff };
      frames = Math.max(frames, 1);
    } else if (type === 'VP8L' && size >= 5) {
      if (b[data] !== 0x2f) throw corrupt('The WebP lossless stream has a bad signature.');
      const bits = u32le(b, data + 1);
      canvas ??= { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
      frames = Math.max(frames, 1);
    }
    offset = data + size + (size & 1);
  }
  if (!canvas || frames === 0) throw corrupt('The WebP has no image frame.');
  return uprightInfo({
    format: 'webp',
    storedWidth: canvas.width,
    storedHeight: canvas.height,
    orientation: 1,
    animated,
    frames,
    progressive: false,
    components: hasAlpha ? 4 : 3,
    bitDepth: 8,
  });
}

// ---------------------------------------------------------------- GIF

function probeGif(b: Uint8Array): ImageInfo {
  if (b.length < 13) throw corrupt('The GIF is truncated inside its header.');
  const width = u16le(b, 6);
  const height = u16le(b, 8);
  const packed = b[10]!;
  let offset = 13 + ((packed & 0x80) !== 0 ? 3 * (2 << (packed & 7)) : 0);
  let frames = 0;
  while (offset < b.length) {
    const block = b[offset]!;
    if (block === 0x3b) {
      if (frames === 0) throw corrupt('The GIF has no image frame.');
      return uprightInfo({
        format: 'gif',
        storedWidth: width,
        storedHeight: height,
        orientation: 1,
        animated: frames > 1,
        frames,
        progressive: false,
        components: 4,
        bitDepth: 8,
      });
    }
    if (block === 0x21) {
      offset = skipSubBlocks(b, offset + 2);
    } else if (block === 0x2c) {
      if (offset + 10 > b.length) break;
      const local = b[offset + 9]!;
      offset += 10 + ((local & 0x80) !== 0 ? 3 * (2 << (local & 7)) : 0);
      offset = skipSubBlocks(b, offset + 1); // +1: LZW minimum code size
      frames++;
    } else {
      throw corrupt(`The GIF has an unknown block 0x${block.toString(16)}.`);
    }
  }
  throw corrupt('The GIF is truncated: the trailer is missing.');
}

function skipSubBlocks(b: Uint8Array, offset: number): number {
  while (offset < b.length) {
    const size = b[offset]!;
    offset += 1 + size;
    if (size === 0) return offset;
  }
  throw corrupt('The GIF is truncated inside a data block.');
}
