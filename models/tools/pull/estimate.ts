// Limits of the Workers deployment that decide where a pulled file can go, and a
// rough memory estimate to print after a pull. Nothing here is measured on the
// MobileCLIP files (they cannot be downloaded where this was written): after a
// pull, read a host's /healthz (or run models/tools/measure.ts) before relying on it.

/** Workers static assets: at most 25 MiB per file; wrangler refuses larger files in dev and deploy ("Asset too large"). */
export const ASSET_LIMIT_BYTES = 25 * 1024 * 1024;

/** Memory of one Workers isolate (JS heap and wasm memory together). */
export const ISOLATE_LIMIT_BYTES = 128 * 1024 * 1024;

const MiB = 1024 * 1024;

/**
 * What a model host holds before any weights: onnxruntime-web's wasm memory
 * (16 MiB measured, bench/standins.mjs) and the isolate's JS heap (7-8 MiB in
 * a host, bench/clip-hosts.mjs).
 */
export const RUNTIME_BYTES = 24 * MiB;

/**
 * Rough memory of one encoder in its host, loaded the way the model store loads
 * it (weights split out as external data: shared/models/external-weights.ts):
 * - the weights in wasm memory once: 1x the file for int8/q8/fp32 weights, 2x for
 *   fp16, which onnxruntime-web's wasm build converts to fp32 at load;
 * - activations per input of a batch: ~22 MiB an image (256x256), ~7 MiB a text
 *   (77 tokens).
 * Calibrated on random-weight, size-alike stand-ins of MobileCLIP-S0 in the real
 * host Workers (bench/clip-hosts.mjs): the fp16 image tower 83 MiB of wasm after
 * one image (16 + 45 + 22), the q8 text tower 64 MiB after one text (16 + 41 + 7)
 * and 111 MiB after eight. Not measured on MobileCLIP itself. Wasm memory never
 * shrinks, so the peak batch is what counts.
 */
export function estimateEncoderBytes(role: 'image' | 'text', variant: string, fileBytes: number, batch = 1): number {
  const weights = variant === 'fp16' ? 2 * fileBytes : fileBytes;
  const activations = (role === 'image' ? 22 * MiB : 7 * MiB) * batch;
  return weights + activations;
}
