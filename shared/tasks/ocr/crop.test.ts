import { describe, expect, it } from 'vitest';
import type { Raster } from '../../image/raster.ts';
import { cropLine, isTall, rotate180, rotateQuad180, rotateQuadCcw, squareToQuad, warpQuad } from './crop.ts';
import type { Quad } from './geometry.ts';

/** A raster whose red channel is x and green channel is y, so a sample says where it came from. */
function coordinateRaster(width: number, height: number): Raster {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data[(y * width + x) * 3] = x;
      data[(y * width + x) * 3 + 1] = y;
      data[(y * width + x) * 3 + 2] = 200;
    }
  }
  return { width, height, data };
}

const at = (r: Raster, x: number, y: number) => Array.from(r.data.subarray((y * r.width + x) * 3, (y * r.width + x) * 3 + 3));

describe('squareToQuad', () => {
  it('takes the unit square corners to the quad corners, perspective included', () => {
    const q: Quad = [[10, 10], [90, 20], [80, 70], [5, 60]];
    const m = squareToQuad(q);
    const map = (s: number, t: number) => {
      const w = m.g * s + m.h * t + 1;
      return [(m.a * s + m.b * t + m.c) / w, (m.d * s + m.e * t + m.f) / w];
    };
    [[0, 0], [1, 0], [1, 1], [0, 1]].forEach(([s, t], i) => {
      const [x, y] = map(s!, t!);
      expect(x).toBeCloseTo(q[i]![0]);
      expect(y).toBeCloseTo(q[i]![1]);
    });
  });
});

describe('warpQuad', () => {
  const src = coordinateRaster(100, 80);

  it('copies an axis-aligned box pixel for pixel', () => {
    const out = warpQuad(src, [[10, 5], [30, 5], [30, 15], [10, 15]], 20, 10);
    expect(out.width).toBe(20);
    expect(out.height).toBe(10);
    expect(at(out, 0, 0)).toEqual([10, 5, 200]);
    expect(at(out, 7, 3)).toEqual([17, 8, 200]);
    expect(at(out, 19, 9)).toEqual([29, 14, 200]);
  });

  it('interpolates bilinearly between pixels', () => {
    const out = warpQuad(src, [[10.5, 5.25], [30.5, 5.25], [30.5, 15.25], [10.5, 15.25]], 20, 10);
    // 10.5 rounds half up; 5.25 stays 5.
    expect(at(out, 0, 0)).toEqual([11, 5, 200]);
  });

  it('replicates the border outside the image', () => {
    const out = warpQuad(src, [[-10, -10], [10, -10], [10, 10], [-10, 10]], 20, 20);
    expect(at(out, 0, 0)).toEqual([0, 0, 200]);
    expect(at(out, 15, 15)).toEqual([5, 5, 200]);
  });

  it('reads a quarter-turned quad along its first edge', () => {
    // A tall box, turned: the output's rows run down the source's columns.
    const tall: Quad = [[10, 0], [20, 0], [20, 60], [10, 60]];
    const out = warpQuad(src, rotateQuadCcw(tall), 60, 10);
    expect(at(out, 0, 0)).toEqual([20, 0, 200]);
    expect(at(out, 30, 0)).toEqual([20, 30, 200]);
    expect(at(out, 30, 5)).toEqual([15, 30, 200]);
  });
});

describe('cropLine', () => {
  const src = coordinateRaster(200, 100);

  it('scales a line to the model height keeping its aspect ratio', () => {
    const crop = cropLine(src, [[10, 10], [50, 10], [50, 20], [10, 20]], 48);
    expect(crop.turned).toBe(false);
    expect(crop.image.height).toBe(48);
    expect(crop.image.width).toBe(192);
    // Left edge is x = 10, whatever the scaling.
    expect(crop.image.data[0]).toBe(10);
  });

  it('turns boxes 1.5 times taller than wide', () => {
    expect(isTall([[0, 0], [10, 0], [10, 15], [0, 15]])).toBe(true);
    expect(isTall([[0, 0], [10, 0], [10, 14], [0, 14]])).toBe(false);
    const crop = cropLine(src, [[10, 10], [20, 10], [20, 70], [10, 70]], 10);
    expect(crop.turned).toBe(true);
    expect(crop.image.width).toBe(60);
    expect(crop.image.height).toBe(10);
  });
});

describe('rotate180', () => {
  it('turns the raster and its quad the same way', () => {
    const src = coordinateRaster(4, 3);
    const out = rotate180(src);
    expect(at(out, 0, 0)).toEqual([3, 2, 200]);
    expect(at(out, 3, 2)).toEqual([0, 0, 200]);
    const q: Quad = [[0, 0], [4, 0], [4, 3], [0, 3]];
    expect(rotateQuad180(q)).toEqual([[4, 3], [0, 3], [0, 0], [4, 0]]);
  });
});
