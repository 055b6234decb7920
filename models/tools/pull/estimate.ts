// Limits of the Workers deployment that decide where a pulled file can go, and a
// rough memory estimate to print after a pull. Nothing here is measured on the
// MobileCLIP files (they cannot be downloaded where this was written): after a
// pull, measure with models/tools/measure.ts before relying on a number.

/** Workers static assets: at most 25 MiB per file; wrangler refuses larger files in dev and deploy ("Asset too large"). */
export const ASSET_LIMIT_BYTES = 25 * 1024 * 1024;

/** Memory of one Workers isolate (JS heap and wasm memory together). */
export const ISOLATE_LIMIT_BYTES = 128 * 1024 * 1024;

const MiB = 1024 * 1024;

/**
 * onnxruntime-web (wasm) itself. This repository measured 24,248,320 bytes of wasm
 * memory for a 2.3 MB model (models/mobilenet-v2-features/manifest.json), so ~20 MiB
 * is the runtime before any weights.
 */
export const RUNTIME_BYTES = 20 * MiB;

/**
 * Rough wasm memory of one encoder in onnxruntime-web:
 * - the .onnx bytes are copied into wasm memory to create the session (1x file),
 * - the initializers live there as tensors (another 1x file; int8 weights stay int8),
 * - fp16 weights have no fp16 kernels on the CPU/wasm provider, so ORT casts them to
 *   fp32 (2x file instead of 1x),
 * - activations: ~20 MiB for a 256x256 image tower, ~4 MiB for a 77-token text tower.
 * Calibrated on the one figure available: fp32 MobileCLIP-S0's image encoder (45.5 MB)
 * needs about 128 MiB, which this gives (20 + 2 x 43.4 + 20 MiB). Wasm memory never
 * shrinks, so the peak is what counts.
 */
export function estimateEncoderBytes(role: 'image' | 'text', variant: string, fileBytes: number): number {
  const weights = variant === 'fp16' ? 3 * fileBytes : 2 * fileBytes;
  const activations = role === 'image' ? 20 * MiB : 4 * MiB;
  return weights + activations;
}
