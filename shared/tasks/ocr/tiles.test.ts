import { describe, expect, it } from 'vitest';
import { cutTile, pasteCore, planTiles, type Tile } from './tiles.ts';

/** Every pixel of a width x height map lies in exactly one core, and every core inside its tile. */
function expectCoresPartition(tiles: Tile[], width: number, height: number): void {
  const hits = new Uint8Array(width * height);
  for (const t of tiles) {
    expect(t.core.x0).toBeGreaterThanOrEqual(t.x);
    expect(t.core.y0).toBeGreaterThanOrEqual(t.y);
    expect(t.core.x1).toBeLessThanOrEqual(t.x + t.width);
    expect(t.core.y1).toBeLessThanOrEqual(t.y + t.height);
    for (let y = t.core.y0; y < t.core.y1; y++) for (let x = t.core.x0; x < t.core.x1; x++) hits[y * width + x]!++;
  }
  expect(hits.every((h) => h === 1)).toBe(true);
}

describe('planTiles', () => {
  it('keeps an input within the budget whole', () => {
    expect(planTiles(640, 448, 640 * 480, 64, 32)).toEqual([{ x: 0, y: 0, width: 640, height: 448, core: { x0: 0, y0: 0, x1: 640, y1: 448 } }]);
  });

  it('splits a larger input into the fewest tiles within the budget, with overlapping context', () => {
    const tiles = planTiles(960, 640, 640 * 480, 64, 32);
    expect(tiles.length).toBe(3);
    for (const t of tiles) {
      expect(t.width * t.height).toBeLessThanOrEqual(640 * 480);
      expect(t.width % 32).toBe(0);
      expect(t.height % 32).toBe(0);
    }
    // The middle tile sees 64 px past its core on both sides.
    const middle = tiles[1]!;
    expect(middle.core.x0 - middle.x).toBe(64);
    expect(middle.x + middle.width - middle.core.x1).toBe(64);
    expectCoresPartition(tiles, 960, 640);
  });

  it('tiles both ways when it must', () => {
    const tiles = planTiles(1920, 1920, 640 * 480, 64, 32);
    expect(tiles.every((t) => t.width * t.height <= 640 * 480)).toBe(true);
    expectCoresPartition(tiles, 1920, 1920);
  });

  it('refuses a budget smaller than the overlap leaves room for', () => {
    expect(() => planTiles(1024, 1024, 100 * 100, 64, 32)).toThrow(/no tiling/);
  });
});

describe('cutTile and pasteCore', () => {
  it('cut a tile out of every channel and put its core back where it came from', () => {
    const width = 8;
    const height = 6;
    const data = Float32Array.from({ length: 2 * width * height }, (_, i) => i);
    const tile: Tile = { x: 2, y: 1, width: 4, height: 3, core: { x0: 3, y0: 2, x1: 5, y1: 4 } };
    const cut = cutTile(data, 2, width, height, tile);
    expect(Array.from(cut.subarray(0, 4))).toEqual([10, 11, 12, 13]);
    // Second channel, first row of the tile.
    expect(Array.from(cut.subarray(12, 16))).toEqual([58, 59, 60, 61]);
    const map = new Float32Array(width * height);
    pasteCore(map, width, cut.subarray(0, 12), tile);
    expect(map[2 * width + 3]).toBe(19);
    expect(map[3 * width + 4]).toBe(28);
    expect(map[1 * width + 2]).toBe(0);
    expect(map.filter((v) => v !== 0)).toHaveLength(4);
  });
});
