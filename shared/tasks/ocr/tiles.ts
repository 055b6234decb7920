/**
 * The detector's memory grows with its input: under ORT-web (single
 * thread) PP-OCRv4 det held about 155 bytes of wasm memory per input pixel
 * at its peak (640x480: 69 MB, 960x960: 170 MB, 1280x832: 191 MB, model and
 * runtime included), and wasm memory never shrinks. The network is fully
 * convolutional, so a large input can run as overlapping tiles instead, each
 * tile's map kept only in its core, away from the tile edges; memory is then
 * set by the tile, whatever the detector resolution.
 *
 * Tiling is not free. Overlap is computed twice (960x960 in five tiles took
 * about twice the time of one run). And the result is not the whole-image
 * map: the backbone's squeeze-and-excitation blocks pool over the whole
 * input, so a tile's map depends on what else is in the tile, not only near
 * its edges. On test/fixtures/ocr/page-far.jpg at 960 the CER went from
 * 0.127 (one 960x640 run, 126 MB) to 0.180 (three tiles, 88 MB); at 1280,
 * tiled, it was 0.087. Elsewhere tiling changed nothing measurable.
 */
export interface Tile {
  /** The region run through the detector, in detector-input pixels. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** The part of its output that is kept: [x0, x1) x [y0, y1), same coordinates. */
  core: { x0: number; y0: number; x1: number; y1: number };
}

/** Splits [0, size) into `count` cores on multiples of `multiple` (size is one). */
function cores(size: number, count: number, multiple: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let k = 0; k < count; k++) {
    const start = Math.round((k * size) / count / multiple) * multiple;
    const end = Math.round(((k + 1) * size) / count / multiple) * multiple;
    out.push([start, end]);
  }
  return out;
}

/**
 * The fewest tiles of at most `maxPixels` each covering a width x height
 * input, each core grown by `overlap` pixels of context on every side that
 * is not the image border. Sizes stay multiples of `multiple` (the detector
 * needs them), given width, height and overlap are. An input within the
 * budget is one tile, the whole input.
 */
export function planTiles(width: number, height: number, maxPixels: number, overlap: number, multiple: number): Tile[] {
  if (width * height <= maxPixels) return [{ x: 0, y: 0, width, height, core: { x0: 0, y0: 0, x1: width, y1: height } }];
  // The largest tile of an n-way split: a middle one, with context on both sides.
  const span = (size: number, n: number) => (n === 1 ? size : Math.min(size, Math.ceil(size / n / multiple) * multiple + 2 * overlap));
  let best: { nx: number; ny: number } | undefined;
  for (let ny = 1; ny <= height / multiple; ny++) {
    for (let nx = 1; nx <= width / multiple; nx++) {
      if (best && nx * ny >= best.nx * best.ny) break;
      if (span(width, nx) * span(height, ny) <= maxPixels) best = { nx, ny };
    }
  }
  if (!best) throw new Error(`no tiling of ${width}x${height} fits ${maxPixels} pixels with ${overlap} px of overlap`);
  const tiles: Tile[] = [];
  for (const [y0, y1] of cores(height, best.ny, multiple)) {
    for (const [x0, x1] of cores(width, best.nx, multiple)) {
      const x = Math.max(0, x0 - overlap);
      const y = Math.max(0, y0 - overlap);
      const right = Math.min(width, x1 + overlap);
      const bottom = Math.min(height, y1 + overlap);
      tiles.push({ x, y, width: right - x, height: bottom - y, core: { x0, y0, x1, y1 } });
    }
  }
  return tiles;
}

/** Copies a [1, channels, tile.height, tile.width] block out of a [1, channels, height, width] tensor. */
export function cutTile(data: Float32Array, channels: number, width: number, height: number, tile: Tile): Float32Array {
  const out = new Float32Array(channels * tile.width * tile.height);
  for (let c = 0; c < channels; c++) {
    for (let row = 0; row < tile.height; row++) {
      const from = c * width * height + (tile.y + row) * width + tile.x;
      out.set(data.subarray(from, from + tile.width), (c * tile.height + row) * tile.width);
    }
  }
  return out;
}

/** Writes the core of a tile's [tile.height, tile.width] map into the full [height, width] map. */
export function pasteCore(map: Float32Array, width: number, tileMap: Float32Array, tile: Tile): void {
  const { x0, y0, x1, y1 } = tile.core;
  for (let y = y0; y < y1; y++) {
    const from = (y - tile.y) * tile.width + (x0 - tile.x);
    map.set(tileMap.subarray(from, from + (x1 - x0)), y * width + x0);
  }
}
