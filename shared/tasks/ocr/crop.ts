import type { Raster } from '../../image/raster.ts';
import { resample } from '../../image/resample.ts';
import { distance, type Quad } from './geometry.ts';

/**
 * Cutting a text line out of the image, upright, for the recogniser:
 * PaddleOCR's get_rotate_crop_image (perspective warp of the box to a
 * rectangle, edge pixels replicated outside the image, tall boxes turned a
 * quarter) followed by the recogniser's resize to a fixed height.
 *
 * The warp runs at the box's own size, so it only rotates and never shrinks;
 * the shrink (or enlargement) to the model height is done by the shared
 * antialiased resampler, so a 200 px tall line from a big photo is averaged,
 * not point-sampled.
 */

/** Homography taking the unit square (0,0),(1,0),(1,1),(0,1) to quad[0..3] (Heckbert's closed form). */
export interface Homography {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
  g: number;
  h: number;
}

export function squareToQuad(q: Quad): Homography {
  const [[x0, y0], [x1, y1], [x2, y2], [x3, y3]] = q;
  const sx = x0 - x1 + x2 - x3;
  const sy = y0 - y1 + y2 - y3;
  let g = 0;
  let h = 0;
  if (sx !== 0 || sy !== 0) {
    const dx1 = x1 - x2;
    const dx2 = x3 - x2;
    const dy1 = y1 - y2;
    const dy2 = y3 - y2;
    const den = dx1 * dy2 - dx2 * dy1;
    // A degenerate (self-crossing or collapsed) quad: fall back to the affine part.
    if (den !== 0) {
      g = (sx * dy2 - dx2 * sy) / den;
      h = (dx1 * sy - sx * dy1) / den;
    }
  }
  return { a: x1 - x0 + g * x1, b: x3 - x0 + h * x3, c: x0, d: y1 - y0 + g * y1, e: y3 - y0 + h * y3, f: y0, g, h };
}

/** Bilinear sample at (x, y) in pixel-centre coordinates, clamping to the edge (cv2.BORDER_REPLICATE). */
function sampleBilinear(src: Raster, x: number, y: number, out: Uint8Array, o: number): void {
  const maxX = src.width - 1;
  const maxY = src.height - 1;
  const cx = x < 0 ? 0 : x > maxX ? maxX : x;
  const cy = y < 0 ? 0 : y > maxY ? maxY : y;
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = x0 < maxX ? x0 + 1 : x0;
  const y1 = y0 < maxY ? y0 + 1 : y0;
  const fx = cx - x0;
  const fy = cy - y0;
  const d = src.data;
  const p00 = (y0 * src.width + x0) * 3;
  const p10 = (y0 * src.width + x1) * 3;
  const p01 = (y1 * src.width + x0) * 3;
  const p11 = (y1 * src.width + x1) * 3;
  for (let c = 0; c < 3; c++) {
    const top = d[p00 + c]! + (d[p10 + c]! - d[p00 + c]!) * fx;
    const bottom = d[p01 + c]! + (d[p11 + c]! - d[p01 + c]!) * fx;
    out[o + c] = top + (bottom - top) * fy + 0.5;
  }
}

/**
 * Warps the quad (tl, tr, br, bl, image pixel coordinates) onto a width x
 * height raster. As cv2.warpPerspective with PaddleOCR's destination corners
 * (0,0), (w,0), (w,h), (0,h): output pixel (u, v) takes the source point
 * H(u / w, v / h).
 */
export function warpQuad(src: Raster, quad: Quad, width: number, height: number): Raster {
  const m = squareToQuad(quad);
  const out = new Uint8Array(width * height * 3);
  for (let v = 0; v < height; v++) {
    const t = v / height;
    for (let u = 0; u < width; u++) {
      const s = u / width;
      const w = m.g * s + m.h * t + 1;
      const x = (m.a * s + m.b * t + m.c) / w;
      const y = (m.d * s + m.e * t + m.f) / w;
      sampleBilinear(src, x, y, out, (v * width + u) * 3);
    }
  }
  return { width, height, data: out };
}

/** Rotating the corner order by one turns the crop a quarter counter-clockwise (np.rot90). */
export function rotateQuadCcw(q: Quad): Quad {
  return [q[1], q[2], q[3], q[0]];
}

/** Two quarter turns: the crop upside down (cv2.rotate 180). */
export function rotateQuad180(q: Quad): Quad {
  return [q[2], q[3], q[0], q[1]];
}

export interface LineCrop {
  /** The line, upright as far as geometry can tell, `height` pixels tall. */
  image: Raster;
  /** Whether the box was turned a quarter counter-clockwise (taken for a vertical line of rotated text). */
  turned: boolean;
}

/**
 * PaddleOCR turns boxes at least 1.5 times taller than wide a quarter
 * counter-clockwise, taking them for lines of text rotated by 90 degrees.
 */
const TALL_RATIO = 1.5;

export function isTall(quad: Quad): boolean {
  const w = Math.max(distance(quad[0], quad[1]), distance(quad[3], quad[2]));
  const h = Math.max(distance(quad[0], quad[3]), distance(quad[1], quad[2]));
  return h >= w * TALL_RATIO;
}

/** Cuts the box out upright and scales it to `height` rows, keeping its aspect ratio. */
export function cropLine(src: Raster, box: Quad, height: number): LineCrop {
  const turned = isTall(box);
  const quad = turned ? rotateQuadCcw(box) : box;
  // Sizes as PaddleOCR's get_rotate_crop_image: the longer of each pair of opposite sides.
  const w = Math.max(distance(quad[0], quad[1]), distance(quad[3], quad[2]));
  const h = Math.max(distance(quad[0], quad[3]), distance(quad[1], quad[2]));
  const cropW = Math.max(1, Math.round(w));
  const cropH = Math.max(1, Math.round(h));
  const upright = warpQuad(src, quad, cropW, cropH);
  const outW = Math.max(1, Math.ceil((height * cropW) / cropH));
  return { image: resample(upright, outW, height), turned };
}

/** The raster turned 180 degrees. */
export function rotate180(src: Raster): Raster {
  const n = src.width * src.height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const j = (n - 1 - i) * 3;
    out[i * 3] = src.data[j]!;
    out[i * 3 + 1] = src.data[j + 1]!;
    out[i * 3 + 2] = src.data[j + 2]!;
  }
  return { width: src.width, height: src.height, data: out };
}
