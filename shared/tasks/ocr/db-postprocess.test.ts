import { describe, expect, it } from 'vitest';
import { boxesFromProbabilityMap, connectedRegions, type DbParams, type ProbabilityMap } from './db-postprocess.ts';

const PARAMS: DbParams = { threshold: 0.3, boxThreshold: 0.6, unclipRatio: 1.5, minSize: 3, maxCandidates: 1000, scoreMode: 'fast', dilate: false };

/** A map with rectangles of constant probability: [x0, y0, x1, y1, p], inclusive pixel ranges. */
function mapWith(width: number, height: number, bars: Array<[number, number, number, number, number]>): ProbabilityMap {
  const data = new Float32Array(width * height);
  for (const [x0, y0, x1, y1, p] of bars) {
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) data[y * width + x] = p;
  }
  return { width, height, data };
}

describe('connectedRegions', () => {
  it('separates regions and joins diagonal neighbours (8-connectivity)', () => {
    const map = mapWith(10, 10, [[0, 0, 2, 1, 1], [3, 2, 3, 2, 1], [7, 7, 9, 9, 1]]);
    const regions = connectedRegions(map, 0.3, 100);
    expect(regions).toHaveLength(2);
    // Row extents only: two points per row that has more than one pixel.
    expect(regions[0]!.points).toEqual([[0, 0], [2, 0], [0, 1], [2, 1], [3, 2]]);
    expect(regions[0]!.score).toBe(1);
  });

  it('stops at maxCandidates', () => {
    const map = mapWith(10, 3, [[0, 0, 0, 0, 1], [2, 0, 2, 0, 1], [4, 0, 4, 0, 1]]);
    expect(connectedRegions(map, 0.3, 2)).toHaveLength(2);
  });

  it('dilates by one pixel right and down when asked', () => {
    const map = mapWith(5, 5, [[2, 2, 2, 2, 1]]);
    // cv2's 2x2 kernel is anchored at its bottom-right cell: a pixel spreads right and down.
    const [region] = connectedRegions(map, 0.3, 10, true);
    expect(region!.points).toEqual([[2, 2], [3, 2], [2, 3], [3, 3]]);
  });
});

describe('boxesFromProbabilityMap', () => {
  it('grows a text kernel back by the unclip offset and maps it to image pixels', () => {
    // A kernel 41 x 5 pixel centres wide (x 10..50, y 20..24): a 40 x 4 rectangle.
    const map = mapWith(64, 64, [[10, 20, 50, 24, 0.9]]);
    const boxes = boxesFromProbabilityMap(map, PARAMS, 128, 64);
    expect(boxes).toHaveLength(1);
    const d = (40 * 4 * 1.5) / (2 * 44);
    const [tl, tr, br, bl] = boxes[0]!.quad;
    // x doubles (128 / 64), y stays.
    expect(tl[0]).toBeCloseTo((10 - d) * 2);
    expect(tl[1]).toBeCloseTo(20 - d);
    expect(tr[0]).toBeCloseTo((50 + d) * 2);
    expect(br[1]).toBeCloseTo(24 + d);
    expect(bl[0]).toBeCloseTo((10 - d) * 2);
    expect(boxes[0]!.score).toBeCloseTo(0.9);
    expect(boxes[0]!.cropQuad).toEqual(boxes[0]!.quad);
  });

  it('drops regions whose mean probability is under the box threshold', () => {
    const map = mapWith(64, 64, [[10, 20, 50, 24, 0.5]]);
    expect(boxesFromProbabilityMap(map, PARAMS, 64, 64)).toHaveLength(0);
  });

  it('drops specks thinner than minSize', () => {
    const map = mapWith(64, 64, [[10, 20, 50, 21, 0.9]]);
    expect(boxesFromProbabilityMap(map, PARAMS, 64, 64)).toHaveLength(0);
  });

  it('scores "fast" over the fitted rectangle and "slow" over the region itself', () => {
    // An L-shaped region: its rectangle is half empty.
    const map = mapWith(64, 64, [[10, 10, 40, 14, 0.9], [36, 15, 40, 40, 0.9]]);
    expect(boxesFromProbabilityMap(map, PARAMS, 64, 64)).toHaveLength(0);
    const slow = boxesFromProbabilityMap(map, { ...PARAMS, scoreMode: 'slow' }, 64, 64);
    expect(slow).toHaveLength(1);
    expect(slow[0]!.score).toBeCloseTo(0.9);
  });

  it('widens the recogniser crop into free space only', () => {
    const params = { ...PARAMS, cropUnclipRatio: 4 };
    // Two lines far apart: each crop grows to the larger ratio.
    const far = boxesFromProbabilityMap(mapWith(200, 200, [[10, 20, 150, 27, 0.9], [10, 120, 150, 127, 0.9]]), params, 200, 200);
    const height = (q: [number, number][]) => q[3]![1] - q[0]![1];
    const dWide = (140 * 7 * 4) / (2 * 147);
    expect(height(far[0]!.cropQuad)).toBeCloseTo(7 + 2 * dWide);
    // Two lines 6 px apart: the crop stops at half the gap, but never shrinks below the box.
    const near = boxesFromProbabilityMap(mapWith(200, 200, [[10, 20, 150, 27, 0.9], [10, 34, 150, 41, 0.9]]), params, 200, 200);
    expect(height(near[0]!.cropQuad)).toBeCloseTo(height(near[0]!.quad));
    // 23 px apart: each takes half of it.
    const mid = boxesFromProbabilityMap(mapWith(200, 200, [[10, 20, 150, 27, 0.9], [10, 50, 150, 57, 0.9]]), params, 200, 200);
    expect(height(mid[0]!.cropQuad)).toBeCloseTo(7 + 2 * 11.5);
  });
});
