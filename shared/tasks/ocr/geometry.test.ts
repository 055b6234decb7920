import { describe, expect, it } from 'vitest';
import { convexHull, minAreaRect, orderQuad, quadDistance, rectCorners, unclipRect, type Point, type Quad } from './geometry.ts';

/** Points filling a w x h block (half-pixel grid), turned by `angle` about (cx, cy). */
function rotatedBlock(w: number, h: number, angle: number, cx: number, cy: number): Point[] {
  const points: Point[] = [];
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  for (let y = -h / 2; y <= h / 2; y += 0.5) {
    for (let x = -w / 2; x <= w / 2; x += 0.5) points.push([cx + x * c - y * s, cy + x * s + y * c]);
  }
  return points;
}

const area = (r: { width: number; height: number }) => r.width * r.height;

describe('convexHull', () => {
  it('keeps the corners and drops interior and collinear points', () => {
    const hull = convexHull([[0, 0], [2, 0], [4, 0], [4, 3], [0, 3], [2, 1], [1, 2], [0, 0]]);
    expect(hull).toHaveLength(4);
    expect(new Set(hull.map((p) => p.join(',')))).toEqual(new Set(['0,0', '4,0', '4,3', '0,3']));
  });

  it('returns degenerate inputs deduplicated', () => {
    expect(convexHull([[1, 1], [1, 1]])).toEqual([[1, 1]]);
  });
});

describe('minAreaRect', () => {
  it('fits an axis-aligned block exactly', () => {
    const rect = minAreaRect(rotatedBlock(40, 10, 0, 50, 20));
    expect(rect.center[0]).toBeCloseTo(50);
    expect(rect.center[1]).toBeCloseTo(20);
    const sides = [rect.width, rect.height].sort((a, b) => a - b);
    expect(sides[0]).toBeCloseTo(10);
    expect(sides[1]).toBeCloseTo(40);
  });

  it('finds the rotation of a tilted line instead of its larger upright bounding box', () => {
    const angle = (20 * Math.PI) / 180;
    const rect = minAreaRect(rotatedBlock(100, 12, angle, 80, 60));
    expect(area(rect)).toBeCloseTo(1200, 0);
    const long = rect.width >= rect.height ? rect.angle : rect.angle + Math.PI / 2;
    // The long side's direction, modulo half a turn, is the 20 degrees the block was turned by.
    const degrees = ((((long * 180) / Math.PI) % 180) + 180) % 180;
    expect(degrees).toBeCloseTo(20, 1);
  });

  it('gives a zero-height rectangle for points on one row', () => {
    const rect = minAreaRect([[0, 5], [3, 5], [9, 5]]);
    expect(Math.min(rect.width, rect.height)).toBeCloseTo(0);
    expect(Math.max(rect.width, rect.height)).toBeCloseTo(9);
  });
});

describe('orderQuad', () => {
  it('orders a slightly tilted box top-left, top-right, bottom-right, bottom-left', () => {
    const q = orderQuad([[101, 52], [1, 40], [0, 50], [100, 62]]);
    expect(q).toEqual([[1, 40], [101, 52], [100, 62], [0, 50]]);
  });

  it('keeps corners of a rotated rectangle in that order', () => {
    const [tl, tr, br, bl] = orderQuad(rectCorners({ center: [50, 50], width: 60, height: 10, angle: 0.1 }));
    expect(tl[0]).toBeLessThan(tr[0]);
    expect(bl[0]).toBeLessThan(br[0]);
    expect(tl[1]).toBeLessThan(bl[1]);
    expect(tr[1]).toBeLessThan(br[1]);
  });
});

describe('unclipRect', () => {
  it('moves every side out by area * ratio / perimeter', () => {
    const grown = unclipRect({ center: [0, 0], width: 100, height: 10, angle: 0.3 }, 1.5);
    const d = (100 * 10 * 1.5) / 220;
    expect(grown.width).toBeCloseTo(100 + 2 * d);
    expect(grown.height).toBeCloseTo(10 + 2 * d);
    expect(grown.angle).toBe(0.3);
  });

  it('leaves a degenerate rectangle as it is', () => {
    expect(unclipRect({ center: [1, 1], width: 0, height: 0, angle: 0 }, 1.5).width).toBe(0);
  });
});

describe('quadDistance', () => {
  const box = (x: number, y: number, w: number, h: number): Quad => [[x, y], [x + w, y], [x + w, y + h], [x, y + h]];

  it('measures the gap between two lines of text', () => {
    expect(quadDistance(box(0, 0, 100, 10), box(0, 16, 100, 10))).toBeCloseTo(6);
  });

  it('is 0 for overlapping or crossing boxes', () => {
    expect(quadDistance(box(0, 0, 100, 10), box(50, 5, 100, 10))).toBe(0);
    // A cross: no corner of either lies inside the other.
    expect(quadDistance(box(0, 10, 100, 10), box(45, 0, 10, 100))).toBe(0);
  });

  it('measures corner to corner diagonally', () => {
    expect(quadDistance(box(0, 0, 10, 10), box(13, 14, 5, 5))).toBeCloseTo(5);
  });
});
