/**
 * The one in-memory image type between decoders and models: 8-bit RGB,
 * row-major, interleaved. Alpha is flattened onto a fixed background right
 * after decoding so every later stage (resize, orientation, tensors, hashes)
 * handles a single layout.
 */
export interface Raster {
  width: number;
  height: number;
  /** width * height * 3 bytes, RGB. */
  data: Uint8Array;
}

/** White, as browsers show transparent images on a default page. */
export const FLATTEN_BACKGROUND: readonly [number, number, number] = [255, 255, 255];

export function rasterFromRgba(width: number, height: number, rgba: ArrayLike<number>): Raster {
  const pixels = width * height;
  const out = new Uint8Array(pixels * 3);
  const [br, bg, bb] = FLATTEN_BACKGROUND;
  for (let i = 0, j = 0; i < pixels; i++, j += 4) {
    const a = rgba[j + 3]!;
    const o = i * 3;
    if (a === 255) {
      out[o] = rgba[j]!;
      out[o + 1] = rgba[j + 1]!;
      out[o + 2] = rgba[j + 2]!;
    } else {
      const inv = 255 - a;
      out[o] = (rgba[j]! * a + br * inv + 127) / 255;
      out[o + 1] = (rgba[j + 1]! * a + bg * inv + 127) / 255;
      out[o + 2] = (rgba[j + 2]! * a + bb * inv + 127) / 255;
    }
  }
  return { width, height, data: out };
}

/**
 * Turns a stored raster upright according to its EXIF orientation (1-8), so
 * that models see the picture as people do and boxes come back in the upright
 * image's pixels.
 */
export function applyOrientation(src: Raster, orientation: number): Raster {
  if (orientation <= 1 || orientation > 8) return src;
  const { width: w, height: h, data } = src;
  const swap = orientation >= 5;
  const ow = swap ? h : w;
  const oh = swap ? w : h;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let dx: number;
      let dy: number;
      switch (orientation) {
        case 2: dx = w - 1 - x; dy = y; break; // mirror horizontal
        case 3: dx = w - 1 - x; dy = h - 1 - y; break; // rotate 180
        case 4: dx = x; dy = h - 1 - y; break; // mirror vertical
        case 5: dx = y; dy = x; break; // transpose
        case 6: dx = h - 1 - y; dy = x; break; // rotate 90 clockwise
        case 7: dx = h - 1 - y; dy = w - 1 - x; break; // transverse
        default: dx = y; dy = w - 1 - x; break; // 8: rotate 90 counter-clockwise
      }
      const s = (y * w + x) * 3;
      const d = (dy * ow + dx) * 3;
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
    }
  }
  return { width: ow, height: oh, data: out };
}

/** Puts a frame at (x, y) on a canvas of the flatten background, clipping what falls outside. */
export function placeOnCanvas(frame: Raster, width: number, height: number, x: number, y: number): Raster {
  if (frame.width === width && frame.height === height && x === 0 && y === 0) return frame;
  const out = new Uint8Array(width * height * 3);
  const [br, bg, bb] = FLATTEN_BACKGROUND;
  for (let i = 0; i < out.length; i += 3) {
    out[i] = br;
    out[i + 1] = bg;
    out[i + 2] = bb;
  }
  const rowBytes = Math.max(0, Math.min(frame.width, width - x)) * 3;
  for (let row = 0; row < frame.height && y + row < height; row++) {
    const src = row * frame.width * 3;
    out.set(frame.data.subarray(src, src + rowBytes), ((y + row) * width + x) * 3);
  }
  return { width, height, data: out };
}
