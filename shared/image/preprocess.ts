import type { InputSpec } from '../models/manifest.ts';
import type { Raster } from './raster.ts';
import { resample } from './resample.ts';

/**
 * The one function that turns a decoded image into a model's input tensor,
 * driven by the manifest's input spec. It also says where the image landed
 * in the tensor, so detectors can map boxes back to the original pixels.
 */
export interface Placement {
  /** Region of the upright source image that was used. */
  source: { x: number; y: number; width: number; height: number };
  /** Where that region sits in the tensor (letterbox leaves padding around it). */
  target: { x: number; y: number; width: number; height: number };
}

export interface ModelInput {
  data: Float32Array | Uint8Array;
  dims: [number, number, number, number];
  placement: Placement;
}

export function placementFor(spec: InputSpec, width: number, height: number): Placement {
  const full = { x: 0, y: 0, width, height };
  const tensor = { x: 0, y: 0, width: spec.width, height: spec.height };
  switch (spec.resize) {
    case 'squash':
      return { source: full, target: tensor };
    case 'crop': {
      const scale = Math.max(spec.width / width, spec.height / height);
      const cw = spec.width / scale;
      const ch = spec.height / scale;
      return { source: { x: (width - cw) / 2, y: (height - ch) / 2, width: cw, height: ch }, target: tensor };
    }
    case 'letterbox': {
      const scale = Math.min(spec.width / width, spec.height / height);
      const tw = Math.max(1, Math.round(width * scale));
      const th = Math.max(1, Math.round(height * scale));
      // Top-left placement, as YOLOX and most letterboxing detectors were trained.
      return { source: full, target: { x: 0, y: 0, width: tw, height: th } };
    }
    case 'limit-side':
    case 'fit-height':
      // OCR sizes its own tensors per image and per text line (shared/tasks/ocr).
      throw new Error(`${spec.resize} inputs are prepared by the OCR pipeline, not toModelInput`);
  }
}

/**
 * The upright image size a decoder must at least produce for this input:
 * the image as scaled before the crop or padding, so no model ever sees
 * upsampled pixels from a downscaled decode.
 */
export function decodeTargetFor(spec: InputSpec, width: number, height: number): { minWidth: number; minHeight: number } {
  if (spec.resize === 'squash') return { minWidth: Math.min(width, spec.width), minHeight: Math.min(height, spec.height) };
  if (spec.resize === 'limit-side' || spec.resize === 'fit-height') throw new Error(`${spec.resize} inputs size their own decode`);
  const scale = spec.resize === 'crop' ? Math.max(spec.width / width, spec.height / height) : Math.min(spec.width / width, spec.height / height);
  return { minWidth: Math.min(width, Math.ceil(width * scale)), minHeight: Math.min(height, Math.ceil(height * scale)) };
}

export function toModelInput(image: Raster, spec: InputSpec): ModelInput {
  const placement = placementFor(spec, image.width, image.height);
  const { target } = placement;
  const resized = resample(image, target.width, target.height, placement.source);
  const plane = spec.width * spec.height;
  const data = spec.dtype === 'uint8' ? new Uint8Array(plane * 3) : new Float32Array(plane * 3);
  const order = spec.channels === 'RGB' ? [0, 1, 2] : [2, 1, 0];
  const { scale, mean, std } = spec.normalize;
  const norm = (value: number, c: number) => (value * scale - mean[c]!) / std[c]!;
  const pad = spec.pad ?? 0;
  const nchw = spec.layout === 'NCHW';
  for (let y = 0; y < spec.height; y++) {
    for (let x = 0; x < spec.width; x++) {
      const inside = x >= target.x && y >= target.y && x < target.x + target.width && y < target.y + target.height;
      const src = inside ? ((y - target.y) * target.width + (x - target.x)) * 3 : -1;
      const pixel = y * spec.width + x;
      for (let c = 0; c < 3; c++) {
        const value = src >= 0 ? resized.data[src + order[c]!]! : pad;
        data[nchw ? c * plane + pixel : pixel * 3 + c] = norm(value, c);
      }
    }
  }
  return { data, dims: nchw ? [1, 3, spec.height, spec.width] : [1, spec.height, spec.width, 3], placement };
}
