import decodePngWasm, { init as initPng } from '@jsquash/png/decode.js';
import decodeWebpWasm, { init as initWebp } from '@jsquash/webp/decode.js';
import { pngDecoderWasm, webpDecoderWasm } from './wasm-modules.ts';
import type { StillDecoders } from './decode.ts';

/**
 * The WASM codecs for formats without decode-time scaling, instantiated from
 * build-time-compiled modules on first use in an isolate (never at import).
 */
let png: Promise<unknown> | undefined;
let webp: Promise<unknown> | undefined;

const copy = (bytes: Uint8Array) => bytes.slice().buffer as ArrayBuffer;

export const wasmDecoders: StillDecoders = {
  async png(bytes) {
    png ??= initPng(pngDecoderWasm);
    await png;
    return decodePngWasm(copy(bytes));
  },
  async webp(bytes) {
    webp ??= initWebp(webpDecoderWasm);
    await webp;
    return decodeWebpWasm(copy(bytes));
  },
};
