/**
 * Which model runs see which part of the image, for faces of every size.
 *
 * BlazeFace sees faces relative to its input: the 128 front model needs a
 * face at least ~15% of the (letterboxed) input side, the 256 back model
 * ~6% (measured with the portraits of test/fixtures scaled into a meadow;
 * see test/golden/faces/README.md). So the policy is, in at most 8 runs:
 *
 *   1. front model, whole image: faces >= ~15% of the longer side, up to
 *      close-ups filling the frame (the back model's boxes degrade there);
 *   2. back model, whole image: faces >= ~6% of the longer side;
 *   3. back model on 2-6 overlapping square tiles, when the image is large
 *      enough that a tile still holds >= 2x the model input (512 px): faces
 *      >= ~6% of the tile side, i.e. ~2.4-3.5% of the longer side.
 *
 * Tiles: square, overlapping by 25% of a tile, in a grid of at most 3 x 2
 * (3 along the longer side, 2 along the shorter: 6 tiles for 3:2 and 4:3
 * photos, 4 for near-square ones), the grid with the smallest tiles that
 * still hold >= 512 px each and show >= 1.5x the detail of run 2 (fewer
 * tiles when that costs under 10% detail). A face no wider than the overlap lies whole
 * inside at least one tile; any detection cut by an inner tile edge is
 * dropped (its whole copy is in the neighbour tile, or, for a larger face,
 * in runs 1-2, whose ranges start below the overlap size: 10-14% of the
 * longer side). Everything is merged with MediaPipe's weighted NMS. Images
 * under 768-896 px on the longer side get no tiles: the faces tiles could
 * add there would be under ~30 px.
 *
 * Tiles are cut from one downscaled copy of the image in which a tile is
 * exactly the model input (memory: a 25 MP raster is 75 MB; copying
 * full-resolution tiles of it would not fit a Worker), so every tile's
 * preprocessing is a 1:1 resample.
 */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface TilePlan {
  /** Size of the downscaled working copy the tiles are cut from. */
  workWidth: number;
  workHeight: number;
  /** Tiles in working-copy pixels; each at most modelSize x modelSize. */
  tiles: Rect[];
  cols: number;
  rows: number;
}

export const TILE_OVERLAP = 0.25;
/** A tile must hold at least this many times the model input, or tiling adds too little to be worth a run. */
export const MIN_TILE_FACTOR = 2;
/** Tiles must show at least this much more detail than the whole-image run (long side / tile side). */
export const MIN_DETAIL_GAIN = 1.5;
/** Grids tried, as [tiles along the longer side, tiles along the shorter side]: at most 3 x 2, so at most 8 runs in all. */
const GRIDS: ReadonlyArray<readonly [number, number]> = [
  [3, 2],
  [3, 1],
  [2, 2],
  [2, 1],
];

/** Evenly spread positions of `count` windows of `size` over `length` (the first at 0, the last flush with the end). */
function positions(length: number, size: number, count: number): number[] {
  if (count <= 1) return [0];
  return Array.from({ length: count }, (_, i) => Math.round((i * (length - size)) / (count - 1)));
}

/** Side of the square tiles with which `count` tiles overlapping by TILE_OVERLAP span `length`. */
function tileSide(length: number, count: number): number {
  return length / (count - (count - 1) * TILE_OVERLAP);
}

/**
 * The tile grid for an image of width x height and a square model input of
 * modelSize, or null for no tiles: of the grids above whose tiles still hold
 * MIN_TILE_FACTOR x the input and are at most 1/MIN_DETAIL_GAIN of the
 * longer side (a 512 x 600 portrait would otherwise get two 512 px tiles
 * that add nothing), the one with the fewest tiles among those
 * whose tiles are within 10% of the smallest (a 1000 x 950 photo gets 2 x 2
 * tiles of 571 px, not 3 x 2 of 543 px that overlap by more than half).
 */
export function planTiles(width: number, height: number, modelSize: number): TilePlan | null {
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  const candidates = GRIDS.map(([along, across]) => ({
    along,
    across,
    // The tile must span both sides with its grid; one tile across may be the whole shorter side.
    side: Math.max(tileSide(long, along), across === 1 ? short : tileSide(short, across)),
  })).filter((g) => g.side >= MIN_TILE_FACTOR * modelSize && g.side * MIN_DETAIL_GAIN <= long);
  const smallest = Math.min(...candidates.map((g) => g.side));
  const best = candidates
    .filter((g) => g.side <= smallest * 1.1)
    .sort((a, b) => a.along * a.across - b.along * b.across || a.side - b.side)[0];
  if (!best) return null;
  const scale = modelSize / best.side;
  const workWidth = Math.max(1, Math.round(width * scale));
  const workHeight = Math.max(1, Math.round(height * scale));
  const cols = width >= height ? best.along : best.across;
  const rows = width >= height ? best.across : best.along;
  const tw = Math.min(modelSize, workWidth);
  const th = Math.min(modelSize, workHeight);
  const tiles: Rect[] = [];
  for (const y of positions(workHeight, th, rows)) {
    for (const x of positions(workWidth, tw, cols)) tiles.push({ x, y, width: tw, height: th });
  }
  return { workWidth, workHeight, tiles, cols, rows };
}

/**
 * A detection cut by a tile edge that is not an image edge is a partial
 * face: true if the box (image pixels) leaves `tile` (image pixels) on such
 * an edge. Edges within half a pixel of the image border count as image edges.
 */
export function cutByInnerEdge(box: { xmin: number; ymin: number; xmax: number; ymax: number }, tile: Rect, imageWidth: number, imageHeight: number): boolean {
  const left = tile.x > 0.5;
  const top = tile.y > 0.5;
  const right = tile.x + tile.width < imageWidth - 0.5;
  const bottom = tile.y + tile.height < imageHeight - 0.5;
  return (
    (left && box.xmin < tile.x) ||
    (top && box.ymin < tile.y) ||
    (right && box.xmax > tile.x + tile.width) ||
    (bottom && box.ymax > tile.y + tile.height)
  );
}
