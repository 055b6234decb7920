// The Worker's decode path (shared/image/decode.ts, the same @jsquash codecs
// for PNG and WebP, the same limits) on Node, for the golden generators, so
// native references see exactly the pixels the Worker's models see.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import decodePng, { init as initPng } from '@jsquash/png/decode.js';
import decodeWebp, { init as initWebp } from '@jsquash/webp/decode.js';
import { DEFAULTS } from '../../shared/config.ts';
import { decodeImage, type DecodeTarget, type StillDecoders } from '../../shared/image/decode.ts';
import { probeImage, type ImageInfo } from '../../shared/image/probe.ts';
import type { Raster } from '../../shared/image/raster.ts';

const root = new URL('../../', import.meta.url);
/** A path relative to the repository root. */
export const repoPath = (p: string) => fileURLToPath(new URL(p, root));

let ready: Promise<unknown> | undefined;

const nodeDecoders: StillDecoders = {
  png: (bytes) => decodePng(bytes.slice().buffer),
  webp: (bytes) => decodeWebp(bytes.slice().buffer),
};

/** Decodes a repository file as the Worker would; `target` picks the decode size from the probed image (default: full size). */
export async function decodeFile(file: string, target?: (info: ImageInfo) => DecodeTarget | undefined): Promise<{ pixels: Raster; info: ImageInfo }> {
  ready ??= Promise.all([
    initPng(new WebAssembly.Module(readFileSync(repoPath('node_modules/@jsquash/png/codec/pkg/squoosh_png_bg.wasm')))),
    initWebp(new WebAssembly.Module(readFileSync(repoPath('node_modules/@jsquash/webp/codec/dec/webp_dec.wasm')))),
  ]);
  await ready;
  const bytes = new Uint8Array(readFileSync(repoPath(file)));
  const info = probeImage(bytes, { maxPixels: DEFAULTS.maxImagePixels });
  const pixels = await decodeImage(bytes, info, {
    target: target?.(info),
    decoders: nodeDecoders,
    limits: { maxFullDecodePixels: DEFAULTS.maxFullDecodePixels },
    maxPixels: DEFAULTS.maxImagePixels,
  });
  return { pixels, info };
}
