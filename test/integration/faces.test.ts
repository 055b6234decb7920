import { describe, expect, it } from 'vitest';
import { postImage } from '../support/client.ts';
import hopper from '../fixtures/photos/portrait-grace-hopper.jpg?bytes';
import collins from '../fixtures/photos/portrait-astronaut-eileen-collins.png?bytes';
import smallFace from '../fixtures/faces/small-face-large-photo.jpg?bytes';
import cat from '../fixtures/photos/cat-chelsea.jpg?bytes';

interface Faces {
  faces: Array<{ score: number; box: { xmin: number; ymin: number; xmax: number; ymax: number }; keypoints: Array<{ name: string; x: number; y: number }> }>;
  model: string;
}

async function faces(bytes: Uint8Array, query = ''): Promise<Faces> {
  const response = await postImage(`/v1/faces${query}`, bytes);
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text) as Faces;
}

describe('POST /v1/faces (BlazeFace front + back, tiled)', () => {
  it.each([
    ['Grace Hopper', hopper],
    ['Eileen Collins', collins],
  ])('finds one face in the portrait of %s, with eyes and nose inside the box', async (_name, bytes) => {
    const result = await faces(bytes);
    expect(result.faces).toHaveLength(1);
    const { box, keypoints } = result.faces[0]!;
    const point = (name: string) => keypoints.find((k) => k.name === name)!;
    for (const name of ['right_eye', 'left_eye', 'nose_tip']) {
      const p = point(name);
      expect(p.x).toBeGreaterThanOrEqual(box.xmin);
      expect(p.x).toBeLessThanOrEqual(box.xmax);
      expect(p.y).toBeGreaterThanOrEqual(box.ymin);
      expect(p.y).toBeLessThanOrEqual(box.ymax);
    }
    // The subject's left eye is on the image's right; the nose is below the eyes.
    expect(point('left_eye').x).toBeGreaterThan(point('right_eye').x);
    expect(point('nose_tip').y).toBeGreaterThan(Math.min(point('left_eye').y, point('right_eye').y));
  });

  it('finds a small face in a large photo, where it was placed', async () => {
    // A 300x352 portrait pasted at (1850, 1250) into a 3000x2000 landscape (test/golden/faces/README.md).
    const result = await faces(smallFace);
    expect(result.faces).toHaveLength(1);
    const { box } = result.faces[0]!;
    expect(box.xmin).toBeGreaterThan(1850);
    expect(box.xmax).toBeLessThan(2150);
    expect(box.ymin).toBeGreaterThan(1250);
    expect(box.ymax).toBeLessThan(1602);
    // One short-range pass alone cannot see it.
    expect((await faces(smallFace, '?tiles=off')).faces).toHaveLength(0);
  });

  it('finds no human face on a cat', async () => {
    expect((await faces(cat)).faces).toHaveLength(0);
  });
});
