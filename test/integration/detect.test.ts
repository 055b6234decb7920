import { describe, expect, it } from 'vitest';
import { expectProblem, postImage } from '../support/client.ts';
import golden from '../golden/yolox-nano.json';
import dogBicycleTruck from '../fixtures/photos/dog-bicycle-truck.jpg?bytes';
import personDogHorse from '../fixtures/photos/person-dog-horse.jpg?bytes';
import giraffeZebra from '../fixtures/photos/giraffe-zebra.jpg?bytes';
import horsesHerd from '../fixtures/photos/horses-herd.jpg?bytes';
import spaniels from '../fixtures/photos/dogs-two-spaniels.jpg?bytes';

interface Box {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}
interface Detected {
  objects: Array<{ label: string; score: number; box: Box }>;
  model: string;
  image: { width: number; height: number };
}

const PHOTOS: Record<string, Uint8Array> = {
  'test/fixtures/photos/dog-bicycle-truck.jpg': dogBicycleTruck,
  'test/fixtures/photos/person-dog-horse.jpg': personDogHorse,
  'test/fixtures/photos/giraffe-zebra.jpg': giraffeZebra,
  'test/fixtures/photos/horses-herd.jpg': horsesHerd,
  'test/fixtures/photos/dogs-two-spaniels.jpg': spaniels,
};

async function detect(bytes: Uint8Array, query = ''): Promise<Detected> {
  const response = await postImage(`/v1/detect${query}`, bytes, 'image/jpeg');
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text) as Detected;
}

const centre = (b: Box) => ({ x: (b.xmin + b.xmax) / 2, y: (b.ymin + b.ymax) / 2 });

describe('POST /v1/detect (YOLOX-Nano in onnxruntime-web inside workerd)', () => {
  it('finds the dog, the bicycle and the vehicle where they are', async () => {
    const result = await detect(dogBicycleTruck);
    expect(result.model).toBe('yolox-nano@1.0.0');
    const find = (label: string) => result.objects.find((o) => o.label === label)!;
    expect(result.objects.map((o) => o.label)).toEqual(expect.arrayContaining(['dog', 'bicycle']));
    // The pickup truck across the street: YOLOX-Nano calls it a car.
    const vehicle = result.objects.find((o) => o.label === 'car' || o.label === 'truck')!;
    expect(vehicle).toBeDefined();
    // 768x576 photo: the dog sits lower left, the vehicle is upper right.
    expect(centre(find('dog').box).x).toBeLessThan(384);
    expect(centre(find('dog').box).y).toBeGreaterThan(288);
    expect(centre(vehicle.box).x).toBeGreaterThan(384);
    expect(centre(vehicle.box).y).toBeLessThan(288);
    // One label per object: the dog is not also returned as a cat.
    expect(result.objects.filter((o) => o.label === 'cat')).toHaveLength(0);
    for (const o of result.objects) {
      expect(o.box.xmin).toBeGreaterThanOrEqual(0);
      expect(o.box.xmax).toBeLessThanOrEqual(result.image.width);
      expect(o.box.ymax).toBeLessThanOrEqual(result.image.height);
      expect(o.score).toBeGreaterThanOrEqual(0.35);
    }
  });

  it('reports boxes in the original pixels of a large photo decoded at reduced size', async () => {
    const result = await detect(spaniels);
    expect(result.image).toMatchObject({ width: 2056, height: 3088 });
    const dogs = result.objects.filter((o) => o.label === 'dog');
    expect(dogs).toHaveLength(2);
    // The two spaniels fill the middle of the frame, one above the other.
    for (const dog of dogs) {
      expect(dog.box.xmax - dog.box.xmin).toBeGreaterThan(500);
      expect(dog.box.xmax).toBeLessThanOrEqual(2056);
    }
    const [upper, lower] = [...dogs].sort((a, b) => a.box.ymin - b.box.ymin);
    expect(lower!.box.ymin).toBeGreaterThan(upper!.box.ymin + 300);
  });

  it('finds a person, a dog and a horse', async () => {
    const labels = (await detect(personDogHorse)).objects.map((o) => o.label);
    expect(labels).toEqual(expect.arrayContaining(['person', 'dog', 'horse']));
  });

  // Same decoded pixels and preprocessing, native onnxruntime-node: scores
  // within 0.01 and boxes within 2 px (WASM and native kernels round differently).
  it.each(golden.cases.map((c) => [c.photo, c.output.objects] as const))('matches the native reference on %s', async (photo, expected) => {
    const result = await detect(PHOTOS[photo]!);
    expect(result.objects.map((o) => o.label)).toEqual(expected.map((o) => o.label));
    result.objects.forEach((o, i) => {
      const ref = expected[i]!;
      expect(Math.abs(o.score - ref.score)).toBeLessThan(0.01);
      for (const side of ['xmin', 'ymin', 'xmax', 'ymax'] as const) expect(Math.abs(o.box[side] - ref.box[side])).toBeLessThanOrEqual(2);
    });
  });

  it('honours threshold and max, and refuses bad values', async () => {
    const strict = await detect(dogBicycleTruck, '?threshold=0.8&max=1');
    expect(strict.objects).toHaveLength(1);
    await expectProblem(await postImage('/v1/detect?threshold=2', dogBicycleTruck), 400, 'invalid_request');
    const unknown = await expectProblem(await postImage('/v1/detect?model=nope', dogBicycleTruck), 400, 'invalid_request');
    expect(unknown.field).toBe('model');
  });
});
