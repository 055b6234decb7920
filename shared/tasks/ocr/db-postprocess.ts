import { distance, insideConvexQuad, minAreaRect, orderQuad, quadDistance, rectCorners, unclipRect, type Point, type Quad, type RotatedRect } from './geometry.ts';

/**
 * DB (Differentiable Binarization) post-processing, as PaddleOCR's
 * DBPostProcess with its inference defaults: binarise the text-probability
 * map, take each connected region, fit a min-area rotated rectangle, score it
 * by the mean probability inside, grow it back by the unclip offset (the
 * network predicts shrunk text kernels), and map it to image pixels.
 */
export interface DbParams {
  /** Pixel binarisation threshold (det_db_thresh). */
  threshold: number;
  /** Minimum mean probability inside a box (det_db_box_thresh). */
  boxThreshold: number;
  /** Offset distance = area * ratio / perimeter (det_db_unclip_ratio). */
  unclipRatio: number;
  /** Boxes whose short side is under this many map pixels are noise. */
  minSize: number;
  /** At most this many regions are considered (max_candidates). */
  maxCandidates: number;
  /**
   * What the box score averages: "fast" the probability inside the fitted
   * rectangle (PaddleOCR's default), "slow" the probability over the region
   * itself (PaddleOCR's det_db_score_mode "slow", for curved text). The
   * lines of a photographed page bend, so their rectangles take in
   * background: three lines of test/fixtures/photos/page-english-text.png
   * scored 0.51-0.59 "fast" and were dropped at the 0.6 threshold.
   */
  scoreMode: 'fast' | 'slow';
  /** Grow the binary map by one pixel right and down first (cv2.dilate, 2x2 kernel: use_dilation). */
  dilate: boolean;
  /**
   * The recogniser's crop may grow up to this unclip ratio, but only into
   * free space: never past half the distance to the nearest other text
   * region, and never less than `unclipRatio`. Absent: crops are the boxes.
   * Why: PaddleOCR's 1.5 cuts large, clean text tightly, and PP-OCRv4's
   * recogniser then drops spaces and line-end punctuation
   * (test/fixtures/ocr/page-dense.png: CER 0.178 at 1.5, 0 at 2.3); growing
   * every crop instead takes in the neighbouring lines of a tightly set page
   * (page-english-text.png got worse at 2.0 grown blindly, 0.087 from 0.033).
   */
  cropUnclipRatio?: number;
}

export interface ProbabilityMap {
  width: number;
  height: number;
  /** width * height probabilities, row-major. */
  data: Float32Array;
}

export interface TextBox {
  /** Corners in image pixels: top-left, top-right, bottom-right, bottom-left (PaddleOCR's order). */
  quad: Quad;
  /** Mean probability inside the un-grown box. */
  score: number;
  /** The region to cut out for the recogniser: `quad`, or more of the line's surroundings (cropUnclipRatio). */
  cropQuad: Quad;
}

export interface Region {
  /** Leftmost and rightmost pixel of every row the region spans. */
  points: Point[];
  /** Mean probability over the region's pixels. */
  score: number;
}

/**
 * 8-connected regions of the binarised map (cv2.findContours treats
 * foreground as 8-connected). For each region only the leftmost and rightmost
 * pixel of every row is kept: the convex hull of those is the hull of the
 * whole region, and that is all minAreaRect needs.
 */

export function connectedRegions(map: ProbabilityMap, threshold: number, maxRegions: number, dilate = false): Region[] {
  const { width, height, data } = map;
  const fg = new Uint8Array(width * height);
  for (let i = 0; i < fg.length; i++) fg[i] = data[i]! > threshold ? 1 : 0;
  if (dilate) {
    // cv2.dilate with a 2x2 kernel anchored at (1, 1): a pixel is set if it, its left,
    // upper or upper-left neighbour was. New pixels are marked 2 so they do not spread.
    for (let y = height - 1; y >= 0; y--) {
      for (let x = width - 1; x >= 0; x--) {
        const i = y * width + x;
        if (fg[i]) continue;
        const left = x > 0 && fg[i - 1] === 1;
        const up = y > 0 && fg[i - width] === 1;
        const upLeft = x > 0 && y > 0 && fg[i - width - 1] === 1;
        if (left || up || upLeft) fg[i] = 2;
      }
    }
  }
  const seen = new Uint8Array(width * height);
  // One buffer serves as the flood-fill stack for every region.
  const stack = new Int32Array(width * height);
  // Per-row extent of the current region; rows are reset after each region.
  const rowMin = new Int32Array(height).fill(width);
  const rowMax = new Int32Array(height).fill(-1);
  const regions: Region[] = [];
  for (let start = 0; start < data.length && regions.length < maxRegions; start++) {
    if (seen[start] || !fg[start]) continue;
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    let yMin = height;
    let yMax = -1;
    let sum = 0;
    let count = 0;
    while (top > 0) {
      const p = stack[--top]!;
      sum += data[p]!;
      count++;
      const x = p % width;
      const y = (p - x) / width;
      if (y < yMin) yMin = y;
      if (y > yMax) yMax = y;
      if (x < rowMin[y]!) rowMin[y] = x;
      if (x > rowMax[y]!) rowMax[y] = x;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const q = ny * width + nx;
          if (seen[q] || !fg[q]) continue;
          seen[q] = 1;
          stack[top++] = q;
        }
      }
    }
    const points: Point[] = [];
    for (let y = yMin; y <= yMax; y++) {
      // An 8-connected region touches every row between its top and bottom.
      points.push([rowMin[y]!, y]);
      if (rowMax[y] !== rowMin[y]) points.push([rowMax[y]!, y]);
      rowMin[y] = width;
      rowMax[y] = -1;
    }
    regions.push({ points, score: sum / count });
  }
  return regions;
}

/** Mean probability over the map pixels inside the quad (PaddleOCR's box_score_fast). */
export function boxScore(map: ProbabilityMap, quad: Quad): number {
  const xs = quad.map((p) => p[0]);
  const ys = quad.map((p) => p[1]);
  const x0 = Math.max(0, Math.floor(Math.min(...xs)));
  const x1 = Math.min(map.width - 1, Math.ceil(Math.max(...xs)));
  const y0 = Math.max(0, Math.floor(Math.min(...ys)));
  const y1 = Math.min(map.height - 1, Math.ceil(Math.max(...ys)));
  let sum = 0;
  let count = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      // Half a pixel of slack: cv2.fillPoly also paints the pixels the edges run through.
      if (!insideConvexQuad(quad, [x, y], 0.5)) continue;
      sum += map.data[y * map.width + x]!;
      count++;
    }
  }
  return count > 0 ? sum / count : 0;
}

/**
 * Map -> text boxes in image pixels. `imageWidth`/`imageHeight` are the
 * upright image's size; the map covers all of it (the detector input is the
 * whole image, squashed to multiples of 32), so x and y scale separately.
 */
export function boxesFromProbabilityMap(map: ProbabilityMap, params: DbParams, imageWidth: number, imageHeight: number): TextBox[] {
  const sx = imageWidth / map.width;
  const sy = imageHeight / map.height;
  const kernels: Array<{ rect: RotatedRect; corners: Quad; score: number }> = [];
  for (const region of connectedRegions(map, params.threshold, params.maxCandidates, params.dilate)) {
    const rect = minAreaRect(region.points);
    if (Math.min(rect.width, rect.height) < params.minSize) continue;
    const corners = orderQuad(rectCorners(rect));
    // "slow" is PaddleOCR's contour fill; the region's own pixels are that set (holes aside).
    const score = params.scoreMode === 'slow' ? region.score : boxScore(map, corners);
    if (score < params.boxThreshold) continue;
    kernels.push({ rect, corners, score });
  }
  const toImage = (p: Point): Point => [Math.min(imageWidth, Math.max(0, p[0] * sx)), Math.min(imageHeight, Math.max(0, p[1] * sy))];
  const boxes: TextBox[] = [];
  for (const kernel of kernels) {
    const grown = unclipRect(kernel.rect, params.unclipRatio);
    if (Math.min(grown.width, grown.height) < params.minSize + 2) continue;
    const quad = orderQuad(rectCorners(grown).map(toImage));
    // PaddleOCR's filter_tag_det_res: after clipping, slivers of 3 px or less are dropped.
    if (distance(quad[0], quad[1]) <= 3 || distance(quad[0], quad[3]) <= 3) continue;
    let cropQuad = quad;
    if (params.cropUnclipRatio !== undefined && params.cropUnclipRatio > params.unclipRatio) {
      const wide = unclipRect(kernel.rect, params.cropUnclipRatio);
      // Each side may take half the gap to its nearest neighbour, as the neighbour may take the other half.
      let free = Infinity;
      for (const other of kernels) if (other !== kernel) free = Math.min(free, quadDistance(kernel.corners, other.corners));
      const grow = (grown.width - kernel.rect.width) / 2;
      const most = (wide.width - kernel.rect.width) / 2;
      const d = Math.max(grow, Math.min(most, free / 2));
      const crop = { ...kernel.rect, width: kernel.rect.width + 2 * d, height: kernel.rect.height + 2 * d };
      cropQuad = orderQuad(rectCorners(crop).map(toImage));
    }
    boxes.push({ quad, score: kernel.score, cropQuad });
  }
  return boxes;
}
