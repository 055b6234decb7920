import { describe, expect, it } from 'vitest';
import type { Point, Quad } from './geometry.ts';
import { dominantDirection, readingOrder } from './reading-order.ts';

/** An upright line box with its text reading left to right. */
const line = (name: string, x: number, y: number, w: number, h: number) => ({
  name,
  quad: [[x, y], [x + w, y], [x + w, y + h], [x, y + h]] as Quad,
});

/** The same line on a page turned about (cx, cy) by `turns` quarter turns clockwise (y down). */
function turn<T extends { quad: Quad }>(l: T, turns: number, cx: number, cy: number): T {
  const rot = (p: Point): Point => {
    let [x, y] = [p[0] - cx, p[1] - cy];
    for (let i = 0; i < turns; i++) [x, y] = [-y, x];
    return [x + cx, y + cy];
  };
  return { ...l, quad: l.quad.map(rot) as Quad };
}

const names = (rows: Array<Array<{ name: string }>>) => rows.map((r) => r.map((l) => l.name));

describe('readingOrder', () => {
  it('reads rows top to bottom and a row left to right', () => {
    const lines = [line('c', 10, 60, 200, 20), line('b2', 150, 32, 60, 20), line('a', 10, 0, 200, 20), line('b1', 10, 30, 100, 20)];
    expect(names(readingOrder(lines))).toEqual([['a'], ['b1', 'b2'], ['c']]);
  });

  it('keeps a row together when its boxes sit a little higher or lower (under half a line)', () => {
    const lines = [line('right', 120, 9, 80, 20), line('left', 10, 0, 100, 20)];
    expect(names(readingOrder(lines))).toEqual([['left', 'right']]);
  });

  it('starts a new row at half a line height of offset', () => {
    const lines = [line('lower', 10, 11, 80, 20), line('upper', 120, 0, 100, 20)];
    expect(names(readingOrder(lines))).toEqual([['upper'], ['lower']]);
  });

  it('uses the smaller line height, so a small caption under a heading is its own row', () => {
    const lines = [line('caption', 200, 30, 80, 10), line('heading', 10, 0, 150, 50)];
    expect(names(readingOrder(lines))).toEqual([['heading'], ['caption']]);
  });

  it('reads a page turned a quarter or a half in the order of its text', () => {
    const page = [line('a', 10, 0, 200, 20), line('b1', 10, 30, 100, 20), line('b2', 150, 32, 60, 20), line('c', 10, 60, 200, 20)];
    for (const turns of [1, 2, 3]) {
      const turned = page.map((l) => turn(l, turns, 100, 40)).reverse();
      expect(names(readingOrder(turned)), `${turns} quarter turns`).toEqual([['a'], ['b1', 'b2'], ['c']]);
    }
  });

  it('finds the direction the text runs', () => {
    expect(dominantDirection([line('a', 0, 0, 10, 2).quad])).toBeCloseTo(0);
    expect(dominantDirection([turn(line('a', 0, 0, 10, 2), 1, 0, 0).quad])).toBeCloseTo(Math.PI / 2);
    expect(dominantDirection([])).toBe(0);
  });
});
