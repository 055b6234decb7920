import { describe, expect, it } from 'vitest';
import frontManifest from '../../../models/blazeface-front/manifest.json';
import backManifest from '../../../models/blazeface-back/manifest.json';
import type { Raster } from '../../image/raster.ts';
import { detectFaces, facesDecodeTarget, type FaceModel, type FaceModelManifest, type FaceSession } from './run-faces.ts';
import { cutByInnerEdge, planTiles, TILE_OVERLAP, type TilePlan } from './tiles.ts';

// Runtime-agnostic: pure geometry and a fake session standing in for ORT.

function expectCovering(plan: TilePlan, size: number) {
  expect(plan.tiles.length).toBe(plan.cols * plan.rows);
  // At most 3 x 2 tiles: with the two whole-image runs, at most 8 runs.
  expect(plan.tiles.length).toBeLessThanOrEqual(6);
  for (const t of plan.tiles) {
    expect(t.width).toBeLessThanOrEqual(size);
    expect(t.height).toBeLessThanOrEqual(size);
    expect(t.x).toBeGreaterThanOrEqual(0);
    expect(t.y).toBeGreaterThanOrEqual(0);
    expect(t.x + t.width).toBeLessThanOrEqual(plan.workWidth);
    expect(t.y + t.height).toBeLessThanOrEqual(plan.workHeight);
  }
  // Neighbours overlap by at least TILE_OVERLAP of a tile (1 px for rounding), and the last tile reaches the edge.
  const xs = [...new Set(plan.tiles.map((t) => t.x))].sort((a, b) => a - b);
  const ys = [...new Set(plan.tiles.map((t) => t.y))].sort((a, b) => a - b);
  for (const [starts, extent, tile] of [[xs, plan.workWidth, plan.tiles[0]!.width], [ys, plan.workHeight, plan.tiles[0]!.height]] as const) {
    for (let i = 1; i < starts.length; i++) expect(tile - (starts[i]! - starts[i - 1]!)).toBeGreaterThanOrEqual(TILE_OVERLAP * tile - 1);
    expect(starts[starts.length - 1]! + tile).toBe(extent);
  }
}

describe('tile plan', () => {
  it('does not tile images whose tiles would hold less than twice the model input', () => {
    expect(planTiles(512, 600, 256)).toBeNull();
    expect(planTiles(895, 600, 256)).toBeNull();
    expect(planTiles(640, 427, 256)).toBeNull();
  });

  it('uses two tiles where three would only overlap more', () => {
    const plan = planTiles(800, 520, 256)!;
    expect(plan).toMatchObject({ cols: 2, rows: 1 });
    expectCovering(plan, 256);
  });

  it('tiles a 3:2 photo 3 x 2, a tile being 40% of the long side', () => {
    const plan = planTiles(3000, 2000, 256)!;
    expect(plan).toMatchObject({ cols: 3, rows: 2, workWidth: 640, workHeight: 427 });
    expect(plan.tiles.map((t) => [t.x, t.y])).toEqual([[0, 0], [192, 0], [384, 0], [0, 171], [192, 171], [384, 171]]);
    expectCovering(plan, 256);
  });

  it('tiles a portrait photo 2 x 3', () => {
    const plan = planTiles(2056, 3088, 256)!;
    expect(plan).toMatchObject({ cols: 2, rows: 3 });
    expectCovering(plan, 256);
  });

  it('tiles 4:3 photos 3 x 2 too, with tiles sized by the shorter side', () => {
    const plan = planTiles(4000, 3000, 256)!;
    expect(plan).toMatchObject({ cols: 3, rows: 2, workWidth: 597, workHeight: 448 });
    expectCovering(plan, 256);
  });

  it('tiles near-square photos 2 x 2: 3 x 2 would give the same tiles, overlapping more', () => {
    const plan = planTiles(3000, 3000, 256)!;
    expect(plan).toMatchObject({ cols: 2, rows: 2, workWidth: 448, workHeight: 448 });
    expectCovering(plan, 256);
    expect(planTiles(900, 900, 256)).toMatchObject({ cols: 2, rows: 2 });
    expect(planTiles(1000, 950, 256)).toMatchObject({ cols: 2, rows: 2 });
  });

  it('tiles panoramas in one row of tiles shorter than the input (letterboxed)', () => {
    const plan = planTiles(6000, 1000, 256)!;
    expect(plan).toMatchObject({ cols: 3, rows: 1, workWidth: 640, workHeight: 107 });
    expect(plan.tiles.every((t) => t.width === 256 && t.height === 107)).toBe(true);
    expectCovering(plan, 256);
  });

  it('never plans more than 3 x 2 tiles, each holding at least 512 px of the image', () => {
    for (const [w, h] of [[5312, 2988], [25_000, 1000], [5000, 5000], [4000, 3000], [1400, 1000], [1281, 1280]] as const) {
      const plan = planTiles(w, h, 256);
      if (!plan) continue;
      expectCovering(plan, 256);
      expect((plan.tiles[0]!.width * w) / plan.workWidth).toBeGreaterThanOrEqual(511);
    }
  });

  it('drops detections cut by an inner tile edge, never by an image edge', () => {
    const tile = { x: 100, y: 0, width: 200, height: 200 };
    expect(cutByInnerEdge({ xmin: 110, ymin: 10, xmax: 150, ymax: 50 }, tile, 1000, 200)).toBe(false);
    expect(cutByInnerEdge({ xmin: 90, ymin: 10, xmax: 150, ymax: 50 }, tile, 1000, 200)).toBe(true);
    expect(cutByInnerEdge({ xmin: 250, ymin: 10, xmax: 310, ymax: 50 }, tile, 1000, 200)).toBe(true);
    // Top and bottom are image edges here: faces running off them stay.
    expect(cutByInnerEdge({ xmin: 110, ymin: -10, xmax: 150, ymax: 210 }, tile, 1000, 200)).toBe(false);
  });
});

// JSON imports type tuples as arrays; the registry's zod parse is what checks the real shape.
const frontDescriptor = frontManifest as unknown as FaceModelManifest;
const backDescriptor = backManifest as unknown as FaceModelManifest;

describe('detectFaces with a fake session', () => {
  interface FakeTensor {
    data: Float32Array;
    dims: readonly number[];
  }

  /** A session whose every run finds one face at the centre of its input, 1/4 of the input wide. */
  function fakeModel(manifest: FaceModelManifest, fire: boolean, calls: number[][]): FaceModel<FakeTensor> {
    const session: FaceSession<FakeTensor> = {
      async run(feeds, fetches) {
        const input = feeds['input:0']!;
        calls.push([...input.dims]);
        const out: Record<string, { data: Float32Array }> = {};
        const sizes: Record<string, number> = { 'Identity:0': 512, 'Identity_1:0': 384, 'Identity_2:0': 512 * 16, 'Identity_3:0': 384 * 16 };
        // Scores far below any threshold; regressors all zero (keypoints at their anchor's centre).
        for (const name of fetches) out[name] = { data: new Float32Array(sizes[name]!).fill(name.startsWith('Identity_2') || name.startsWith('Identity_3') ? 0 : -20) };
        if (fire) {
          // Anchor 272 = cell (8, 8) of the 16x16 grid, centre at 8.5/16 of the input: shift back to the middle.
          const size = manifest.input.width;
          out['Identity:0']!.data[272] = 4;
          out['Identity_2:0']!.data.set([(-0.5 / 16) * size, (-0.5 / 16) * size, size / 4, size / 4], 272 * 16);
        }
        return out;
      },
    };
    return { manifest, session };
  }

  const gray = (width: number, height: number): Raster => ({ width, height, data: new Uint8Array(width * height * 3).fill(128) });
  const runtime = { tensor: (data: Float32Array, dims: readonly number[]): FakeTensor => ({ data, dims }) };

  it('runs front and back on the whole image, then back on the tiles, fetching all four outputs', async () => {
    const calls: number[][] = [];
    const front = fakeModel(frontDescriptor, false, calls);
    const back = fakeModel(backDescriptor, false, calls);
    const result = await detectFaces(gray(1400, 1000), { front, back }, { max: 10, tiles: 'auto' }, runtime);
    expect(result.faces).toEqual([]);
    // 1400 x 1000: 3 x 2 tiles of ~571 px, row by row, the last one flush with the bottom-right corner.
    expect(result.runs.map((r) => r.model)).toEqual(['blazeface-front', ...Array(7).fill('blazeface-back')]);
    expect(result.runs[0]!.region).toEqual({ x: 0, y: 0, width: 1400, height: 1000 });
    expect(result.runs[2]!.region).toEqual({ x: 0, y: 0, width: 572, height: 571 });
    const last = result.runs[7]!.region;
    expect([last.x + last.width, last.y + last.height]).toEqual([1400, 1000]);
    expect(calls).toEqual([[1, 128, 128, 3], ...Array(7).fill([1, 256, 256, 3])]);
    const off = await detectFaces(gray(1400, 1000), { front, back }, { max: 10, tiles: 'off' }, runtime);
    expect(off.runs).toHaveLength(2);
  });

  it('maps a whole-image detection back through the shared downscale and the letterbox', async () => {
    const calls: number[][] = [];
    const front = fakeModel(frontDescriptor, true, calls);
    const { faces, runs } = await detectFaces(gray(1024, 768), { front }, { max: 10, tiles: 'off' }, runtime);
    // Downscaled to 128 x 96 and letterboxed top-left: 8 image pixels per tensor pixel, so the
    // tensor's (64, 64) is image (512, 512) and a 32 px face is 256 px.
    expect(runs).toHaveLength(1);
    expect(faces).toHaveLength(1);
    expect(faces[0]!.box).toEqual({ xmin: 384, ymin: 384, xmax: 640, ymax: 640 });
    expect(faces[0]!.keypoints[0]).toEqual({ name: 'right_eye', x: 544, y: 544 }); // the anchor's centre (68, 68)

    // A reduced decode of the same image (as IngestedImage.pixels(facesDecodeTarget(...)) gives) reports in the original's pixels.
    const target = facesDecodeTarget(1024, 768, { front: frontDescriptor }, 'off');
    expect(target).toEqual({ minWidth: 128, minHeight: 96 });
    const reduced = await detectFaces(gray(256, 192), { front }, { max: 10, tiles: 'off', imageSize: { width: 1024, height: 768 } }, runtime);
    expect(reduced.faces[0]!.box).toEqual({ xmin: 384, ymin: 384, xmax: 640, ymax: 640 });
  });
});
