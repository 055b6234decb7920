// @ts-expect-error: the package's .wasm.d.ts types the wasm-bindgen exports, but wrangler and the vitest integration import every .wasm as a compiled WebAssembly.Module (CompiledWasm rule).
import pngDecoderModule from '@jsquash/png/codec/pkg/squoosh_png_bg.wasm';
import webpDecoder from '@jsquash/webp/codec/dec/webp_dec.wasm';

/** The codecs' WASM, compiled at build time: workerd forbids compiling wasm from bytes. */
export const pngDecoderWasm: WebAssembly.Module = pngDecoderModule as WebAssembly.Module;
export const webpDecoderWasm: WebAssembly.Module = webpDecoder;
