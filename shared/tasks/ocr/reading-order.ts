import { distance, type Point, type Quad } from './geometry.ts';

/**
 * Reading order for recognised lines: top to bottom, and left to right among
 * lines that share a row. PaddleOCR's sorted_boxes does this in image axes
 * with a fixed 10 px tolerance; two things differ here, both because photos
 * are not scans:
 * - the tolerance is half the smaller line height, so it means the same on a
 *   400 px screenshot and a 4000 px photo;
 * - rows are found in the text's own axes: each line's quad is in reading
 *   order (quad[0] -> quad[1] runs along the text), the lines' mean reading
 *   direction is taken as "right", and positions are rotated into that frame
 *   first. A page photographed sideways or upside down then reads in the
 *   order its text does, and a skewed page still groups its rows.
 */
export interface Placed {
  /** In reading order: top-left, top-right, bottom-right, bottom-left of the text. */
  quad: Quad;
}

/** The lines' mean reading direction, radians in image axes (0 = left to right). */
export function dominantDirection(quads: readonly Quad[]): number {
  let sx = 0;
  let sy = 0;
  for (const q of quads) {
    const dx = (q[1][0] + q[2][0] - q[0][0] - q[3][0]) / 2;
    const dy = (q[1][1] + q[2][1] - q[0][1] - q[3][1]) / 2;
    const len = Math.hypot(dx, dy);
    // One vote per line: a long line must not outvote several short ones.
    if (len > 0) {
      sx += dx / len;
      sy += dy / len;
    }
  }
  return sx === 0 && sy === 0 ? 0 : Math.atan2(sy, sx);
}

interface Frame<T> {
  line: T;
  cy: number;
  left: number;
  height: number;
}

/** Groups lines into rows in reading order; each row's lines run left to right. */
export function readingOrder<T extends Placed>(lines: readonly T[]): T[][] {
  const angle = dominantDirection(lines.map((l) => l.quad));
  const cos = Math.cos(-angle);
  const sin = Math.sin(-angle);
  const rotate = (p: Point): Point => [p[0] * cos - p[1] * sin, p[0] * sin + p[1] * cos];
  const framed: Frame<T>[] = lines.map((line) => {
    const q = line.quad.map(rotate);
    return {
      line,
      cy: (q[0]![1] + q[1]![1] + q[2]![1] + q[3]![1]) / 4,
      left: Math.min(q[0]![0], q[3]![0]),
      height: (distance(line.quad[0], line.quad[3]) + distance(line.quad[1], line.quad[2])) / 2,
    };
  });
  framed.sort((a, b) => a.cy - b.cy || a.left - b.left);
  const rows: Frame<T>[][] = [];
  let row: Frame<T>[] = [];
  let rowCy = 0;
  let rowHeight = 0;
  for (const f of framed) {
    // Same row when the vertical centres are closer than half the smaller line height.
    if (row.length > 0 && Math.abs(f.cy - rowCy) <= 0.5 * Math.min(f.height, rowHeight)) {
      row.push(f);
      rowCy += (f.cy - rowCy) / row.length;
      rowHeight = Math.max(rowHeight, f.height);
      continue;
    }
    if (row.length > 0) rows.push(row);
    row = [f];
    rowCy = f.cy;
    rowHeight = f.height;
  }
  if (row.length > 0) rows.push(row);
  return rows.map((r) => r.sort((a, b) => a.left - b.left).map((f) => f.line));
}
