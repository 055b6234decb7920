/**
 * Plane geometry for text boxes: convex hull, minimum-area rotated rectangle,
 * PaddleOCR's corner order, and the DB "unclip" offset. Coordinates are
 * pixel centres (pixel (x, y) is the point (x, y)), as OpenCV's contours are,
 * so the thresholds PaddleOCR tuned on cv2.minAreaRect mean the same here.
 */
export type Point = [number, number];

/** Four corners, clockwise on screen (y down): top-left, top-right, bottom-right, bottom-left. */
export type Quad = [Point, Point, Point, Point];

export interface RotatedRect {
  center: Point;
  /** Length of the side along `angle`. */
  width: number;
  /** Length of the other side. */
  height: number;
  /** Direction of the `width` side, radians. */
  angle: number;
}

function cross(o: Point, a: Point, b: Point): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

/**
 * Andrew's monotone chain. Returns the hull without collinear points, in
 * counter-clockwise order for y-up axes (clockwise on screen). Fewer than
 * three distinct points come back as they are (deduplicated).
 */
export function convexHull(points: readonly Point[]): Point[] {
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const unique: Point[] = [];
  for (const p of sorted) {
    const last = unique[unique.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) unique.push(p);
  }
  if (unique.length < 3) return unique;
  const lower: Point[] = [];
  for (const p of unique) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = unique.length - 1; i >= 0; i--) {
    const p = unique[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop();
    upper.push(p);
  }
  lower.pop();
  upper.pop();
  return lower.concat(upper);
}

/**
 * Minimum-area enclosing rectangle. The rotating-calipers theorem says the
 * best rectangle has one side on a hull edge, so it is enough to try each
 * hull edge's direction and measure the hull's extent along it and across it.
 * Text-component hulls have tens of vertices, so the O(h^2) projection loop
 * is simpler than walking the four calipers and just as fast here.
 * Degenerate inputs (one point, a segment) give a zero-width or zero-height rect.
 */
export function minAreaRect(points: readonly Point[]): RotatedRect {
  const hull = convexHull(points);
  if (hull.length === 0) return { center: [0, 0], width: 0, height: 0, angle: 0 };
  if (hull.length === 1) return { center: [hull[0]![0], hull[0]![1]], width: 0, height: 0, angle: 0 };
  let best: RotatedRect | undefined;
  let bestArea = Infinity;
  for (let i = 0; i < hull.length; i++) {
    const a = hull[i]!;
    const b = hull[(i + 1) % hull.length]!;
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
    if (len === 0) continue;
    const ux = (b[0] - a[0]) / len;
    const uy = (b[1] - a[1]) / len;
    // Extents along u = (ux, uy) and along its normal v = (-uy, ux).
    let minU = Infinity;
    let maxU = -Infinity;
    let minV = Infinity;
    let maxV = -Infinity;
    for (const p of hull) {
      const pu = p[0] * ux + p[1] * uy;
      const pv = -p[0] * uy + p[1] * ux;
      if (pu < minU) minU = pu;
      if (pu > maxU) maxU = pu;
      if (pv < minV) minV = pv;
      if (pv > maxV) maxV = pv;
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < bestArea - 1e-9) {
      bestArea = area;
      const cu = (minU + maxU) / 2;
      const cv = (minV + maxV) / 2;
      best = { center: [cu * ux - cv * uy, cu * uy + cv * ux], width: maxU - minU, height: maxV - minV, angle: Math.atan2(uy, ux) };
    }
  }
  return best!;
}

/** The rectangle's corners in no particular order (see orderQuad). */
export function rectCorners(rect: RotatedRect): Point[] {
  const ux = Math.cos(rect.angle);
  const uy = Math.sin(rect.angle);
  const hw = rect.width / 2;
  const hh = rect.height / 2;
  const [cx, cy] = rect.center;
  const corner = (su: number, sv: number): Point => [cx + su * hw * ux - sv * hh * uy, cy + su * hw * uy + sv * hh * ux];
  return [corner(-1, -1), corner(1, -1), corner(1, 1), corner(-1, 1)];
}

/**
 * PaddleOCR's get_mini_boxes order: of the two leftmost corners the upper is
 * top-left and the lower bottom-left; of the two rightmost the upper is
 * top-right and the lower bottom-right. Keeps boxes upright for text tilted
 * by less than 45 degrees, which is what the recogniser then expects.
 */
export function orderQuad(corners: readonly Point[]): Quad {
  const byX = [...corners].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const [l1, l2, r1, r2] = byX as [Point, Point, Point, Point];
  const [tl, bl] = l1[1] <= l2[1] ? [l1, l2] : [l2, l1];
  const [tr, br] = r1[1] <= r2[1] ? [r1, r2] : [r2, r1];
  return [tl, tr, br, bl];
}

/**
 * DB's unclip for a rectangle. The network is trained on text regions shrunk
 * by D = area * (1 - 0.4^2) / perimeter; at inference the found region is
 * grown back by d = area * ratio / perimeter (ratio 1.5). PaddleOCR offsets
 * the polygon with pyclipper (round joins) and takes the min-area rect of the
 * result; for a rectangle that is exactly the rectangle with every side moved
 * out by d, which is what this returns.
 */
export function unclipRect(rect: RotatedRect, ratio: number): RotatedRect {
  const area = rect.width * rect.height;
  const perimeter = 2 * (rect.width + rect.height);
  const d = perimeter > 0 ? (area * ratio) / perimeter : 0;
  return { center: rect.center, width: rect.width + 2 * d, height: rect.height + 2 * d, angle: rect.angle };
}

export function distance(a: Point, b: Point): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

/** Whether p lies inside the convex quad (either winding), or within `tolerance` pixels of its edges. */
export function insideConvexQuad(quad: Quad, p: Point, tolerance: number): boolean {
  let sign = 0;
  for (let i = 0; i < 4; i++) {
    const a = quad[i]!;
    const b = quad[(i + 1) % 4]!;
    const len = distance(a, b);
    if (len === 0) continue;
    // Signed distance from the edge line; all must agree in sign (or be near zero).
    const d = cross(a, b, p) / len;
    if (Math.abs(d) <= tolerance) continue;
    const s = Math.sign(d);
    if (sign === 0) sign = s;
    else if (s !== sign) return false;
  }
  return true;
}

function pointSegmentDistance(p: Point, a: Point, b: Point): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 > 0 ? Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2)) : 0;
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

/** Whether two convex quads overlap: no edge normal of either separates their projections. */
function quadsOverlap(a: Quad, b: Quad): boolean {
  for (const q of [a, b]) {
    for (let i = 0; i < 4; i++) {
      const p = q[i]!;
      const r = q[(i + 1) % 4]!;
      const nx = r[1] - p[1];
      const ny = p[0] - r[0];
      let aMin = Infinity;
      let aMax = -Infinity;
      let bMin = Infinity;
      let bMax = -Infinity;
      for (const v of a) {
        const d = v[0] * nx + v[1] * ny;
        aMin = Math.min(aMin, d);
        aMax = Math.max(aMax, d);
      }
      for (const v of b) {
        const d = v[0] * nx + v[1] * ny;
        bMin = Math.min(bMin, d);
        bMax = Math.max(bMax, d);
      }
      if (aMax < bMin || bMax < aMin) return false;
    }
  }
  return true;
}

/** Shortest distance between two convex quads; 0 when they overlap. */
export function quadDistance(a: Quad, b: Quad): number {
  if (quadsOverlap(a, b)) return 0;
  // Apart, the closest pair is a corner of one and an edge of the other.
  let best = Infinity;
  for (const [p, q] of [[a, b], [b, a]] as const) {
    for (const v of p) {
      for (let i = 0; i < 4; i++) best = Math.min(best, pointSegmentDistance(v, q[i]!, q[(i + 1) % 4]!));
    }
  }
  return best;
}
