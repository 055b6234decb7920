import { applyD1Migrations, createExecutionContext, waitOnExecutionContext, type D1Migration } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import app from '../../functions/api/index.ts';
import { CONFLICT_CODE } from '../../shared/search/conflict.ts';
import { NEAR_MAX_PHASH_DISTANCE, NEAR_MIN_COSINE, SIMILAR_MIN_COSINE } from '../../shared/search/duplicates.ts';
import { namespaceOf, vectorId, VectorizeVectorIndex, type VectorizeBinding } from '../../shared/search/vectorize-index.ts';
import { call, expectProblem, postImage, postJson, toBase64 } from '../support/client.ts';

import blossom from '../fixtures/photos/blossom-branch.png?bytes';
import cat from '../fixtures/photos/cat-chelsea.jpg?bytes';
import cliffLake from '../fixtures/photos/cliff-lake-mountains.png?bytes';
import coffee from '../fixtures/photos/coffee-cup-saucer.png?bytes';
import dogBicycle from '../fixtures/photos/dog-bicycle-truck.jpg?bytes';
import spaniels from '../fixtures/photos/dogs-two-spaniels.jpg?bytes';
import eagle from '../fixtures/photos/eagle-shore.jpg?bytes';
import dahlia from '../fixtures/photos/flower-dahlia-orange.jpg?bytes';
import fig from '../fixtures/photos/food-fig-in-red-bowl.jpg?bytes';
import giraffe from '../fixtures/photos/giraffe-zebra.jpg?bytes';
import horses from '../fixtures/photos/horses-herd.jpg?bytes';
import forestStream from '../fixtures/photos/landscape-forest-stream.jpg?bytes';
import meadow from '../fixtures/photos/landscape-mountain-meadow.jpg?bytes';
import dandelions from '../fixtures/photos/large-16mp-dandelions.jpg?bytes';
import motorcycle from '../fixtures/photos/motorcycle-bicycle-garage.png?bytes';
import page from '../fixtures/photos/page-english-text.png?bytes';
import pagoda from '../fixtures/photos/pagoda-temple-china.jpg?bytes';
import brushes from '../fixtures/photos/paint-brushes.jpg?bytes';
import stairs from '../fixtures/photos/people-stairs-ascent-grayscale.png?bytes';
import cameraman from '../fixtures/photos/person-cameraman-grayscale.png?bytes';
import personDogHorse from '../fixtures/photos/person-dog-horse.jpg?bytes';
import astronaut from '../fixtures/photos/portrait-astronaut-eileen-collins.png?bytes';
import hopper from '../fixtures/photos/portrait-grace-hopper.jpg?bytes';
import pinkFlowers from '../fixtures/photos/progressive-flowers-pink.jpg?bytes';
import raccoon from '../fixtures/photos/raccoon-face.jpg?bytes';
import rocket from '../fixtures/photos/rocket-launch-falcon9.jpg?bytes';
import room from '../fixtures/photos/room-interior-16bit.png?bytes';
import wine from '../fixtures/photos/room-wine-bottle-drum.jpg?bytes';
import tulips from '../fixtures/photos/tulips-pink.png?bytes';

import catHalf from '../fixtures/duplicates/cat-chelsea.half-q55.jpg?bytes';
import cliffLakeHalf from '../fixtures/duplicates/cliff-lake-mountains.half-q55.jpg?bytes';
import coffeeHalf from '../fixtures/duplicates/coffee-cup-saucer.half-q55.jpg?bytes';
import eagleHalf from '../fixtures/duplicates/eagle-shore.half-q55.jpg?bytes';
import dahliaHalf from '../fixtures/duplicates/flower-dahlia-orange.half-q55.jpg?bytes';
import giraffeHalf from '../fixtures/duplicates/giraffe-zebra.half-q55.jpg?bytes';
import horsesHalf from '../fixtures/duplicates/horses-herd.half-q55.jpg?bytes';
import motorcycleHalf from '../fixtures/duplicates/motorcycle-bicycle-garage.half-q55.jpg?bytes';
import pagodaHalf from '../fixtures/duplicates/pagoda-temple-china.half-q55.jpg?bytes';
import personDogHorseHalf from '../fixtures/duplicates/person-dog-horse.half-q55.jpg?bytes';
import hopperHalf from '../fixtures/duplicates/portrait-grace-hopper.half-q55.jpg?bytes';
import raccoonHalf from '../fixtures/duplicates/raccoon-face.half-q55.jpg?bytes';
import rocketHalf from '../fixtures/duplicates/rocket-launch-falcon9.half-q55.jpg?bytes';
import tulipsHalf from '../fixtures/duplicates/tulips-pink.half-q55.jpg?bytes';
import giraffeCrop from '../fixtures/duplicates/giraffe-zebra.crop5.jpg?bytes';
import pagodaCrop from '../fixtures/duplicates/pagoda-temple-china.crop5.jpg?bytes';

/** One file per picture (no format twins), with a metadata `kind` to filter on. */
const LIBRARY: Array<{ id: string; bytes: Uint8Array; kind: string }> = [
  { id: 'blossom-branch', bytes: blossom, kind: 'flower' },
  { id: 'cat-chelsea', bytes: cat, kind: 'animal' },
  { id: 'cliff-lake-mountains', bytes: cliffLake, kind: 'landscape' },
  { id: 'coffee-cup-saucer', bytes: coffee, kind: 'food' },
  { id: 'dog-bicycle-truck', bytes: dogBicycle, kind: 'animal' },
  { id: 'dogs-two-spaniels', bytes: spaniels, kind: 'animal' },
  { id: 'eagle-shore', bytes: eagle, kind: 'animal' },
  { id: 'flower-dahlia-orange', bytes: dahlia, kind: 'flower' },
  { id: 'food-fig-in-red-bowl', bytes: fig, kind: 'food' },
  { id: 'giraffe-zebra', bytes: giraffe, kind: 'animal' },
  { id: 'horses-herd', bytes: horses, kind: 'animal' },
  { id: 'landscape-forest-stream', bytes: forestStream, kind: 'landscape' },
  { id: 'landscape-mountain-meadow', bytes: meadow, kind: 'landscape' },
  { id: 'large-16mp-dandelions', bytes: dandelions, kind: 'flower' },
  { id: 'motorcycle-bicycle-garage', bytes: motorcycle, kind: 'object' },
  { id: 'page-english-text', bytes: page, kind: 'document' },
  { id: 'pagoda-temple-china', bytes: pagoda, kind: 'building' },
  { id: 'paint-brushes', bytes: brushes, kind: 'object' },
  { id: 'people-stairs-ascent-grayscale', bytes: stairs, kind: 'people' },
  { id: 'person-cameraman-grayscale', bytes: cameraman, kind: 'people' },
  { id: 'person-dog-horse', bytes: personDogHorse, kind: 'people' },
  { id: 'portrait-astronaut-eileen-collins', bytes: astronaut, kind: 'people' },
  { id: 'portrait-grace-hopper', bytes: hopper, kind: 'people' },
  { id: 'progressive-flowers-pink', bytes: pinkFlowers, kind: 'flower' },
  { id: 'raccoon-face', bytes: raccoon, kind: 'animal' },
  { id: 'rocket-launch-falcon9', bytes: rocket, kind: 'object' },
  { id: 'room-interior-16bit', bytes: room, kind: 'room' },
  { id: 'room-wine-bottle-drum', bytes: wine, kind: 'room' },
  { id: 'tulips-pink', bytes: tulips, kind: 'flower' },
];

/** Made by test/fixtures/duplicates/make-duplicates.mjs: JPEG q55 at half size, and 5% cropped off every side. */
const RE_ENCODED: Array<[string, Uint8Array]> = [
  ['cat-chelsea', catHalf],
  ['cliff-lake-mountains', cliffLakeHalf],
  ['coffee-cup-saucer', coffeeHalf],
  ['eagle-shore', eagleHalf],
  ['flower-dahlia-orange', dahliaHalf],
  ['giraffe-zebra', giraffeHalf],
  ['horses-herd', horsesHalf],
  ['motorcycle-bicycle-garage', motorcycleHalf],
  ['pagoda-temple-china', pagodaHalf],
  ['person-dog-horse', personDogHorseHalf],
  ['portrait-grace-hopper', hopperHalf],
  ['raccoon-face', raccoonHalf],
  ['rocket-launch-falcon9', rocketHalf],
  ['tulips-pink', tulipsHalf],
];
const CROPPED: Array<[string, Uint8Array]> = [
  ['giraffe-zebra', giraffeCrop],
  ['pagoda-temple-china', pagodaCrop],
];

type Metadata = Record<string, string | number | boolean>;
interface Item {
  collection: string;
  id: string;
  model: string;
  image: { sha256: string; width: number; height: number; format: string } | null;
  phash: string | null;
  metadata: Metadata;
  embedding?: number[];
}
interface SearchResult {
  matches: Array<{ id: string; score: number; metadata: Metadata }>;
  model: string;
}
interface DuplicateMatch {
  id: string;
  score: number;
  phash_distance: number | null;
  metadata: Metadata;
}
interface Duplicates {
  exact: DuplicateMatch[];
  near: DuplicateMatch[];
  similar: DuplicateMatch[];
  thresholds: Record<string, number>;
  model: string;
}

const MODEL = 'mobilenet-v2-features@1.0.0';
const TEXT_DETAIL = 'text search needs MobileCLIP: npm run models:pull -- mobileclip-s0';

/** D1 storage is shared by every test in this file: each test that writes gets its own collection. */
const unique = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

async function ok<T>(response: Response, status = 200): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as T;
}

function put(collection: string, id: string, bytes: Uint8Array, query = ''): Promise<Response> {
  return call(`/v1/collections/${collection}/items/${id}${query}`, {
    method: 'PUT',
    body: bytes,
    headers: { 'content-type': 'application/octet-stream' },
  });
}

const searchImage = (collection: string, bytes: Uint8Array, query = '') => postImage(`/v1/collections/${collection}/search${query}`, bytes);
const search = (collection: string, body: unknown) => postJson(`/v1/collections/${collection}/search`, body);
const duplicates = (collection: string, bytes: Uint8Array) => postImage(`/v1/collections/${collection}/duplicates`, bytes);

beforeAll(async () => {
  const bindings = env as unknown as { SEARCH_DB: D1Database; TEST_MIGRATIONS: D1Migration[] };
  await applyD1Migrations(bindings.SEARCH_DB, bindings.TEST_MIGRATIONS);
});

describe('a library of real photos', () => {
  const library = unique('library');

  beforeAll(async () => {
    for (const photo of LIBRARY) {
      const response = await put(library, photo.id, photo.bytes, `?metadata=${encodeURIComponent(JSON.stringify({ kind: photo.kind }))}`);
      await ok(response, 201);
    }
  }, 180_000);

  it('finds every re-encoded half-size copy as `near`, with its original first, and not as exact', async () => {
    for (const [original, copy] of RE_ENCODED) {
      const found = await ok<Duplicates>(await duplicates(library, copy));
      expect(found.exact, original).toEqual([]);
      expect(found.near[0]?.id, original).toBe(original);
      expect(found.near[0]!.phash_distance!, original).toBeLessThanOrEqual(NEAR_MAX_PHASH_DISTANCE);
      expect(found.near[0]!.score, original).toBeGreaterThanOrEqual(NEAR_MIN_COSINE);
      // Nothing else in the library is the same picture.
      expect(found.near.map((m) => m.id), original).toEqual([original]);
    }
  });

  it('finds lightly cropped copies as `near`', async () => {
    for (const [original, copy] of CROPPED) {
      const found = await ok<Duplicates>(await duplicates(library, copy));
      expect(found.near.map((m) => m.id), original).toEqual([original]);
    }
  });

  it('returns the original first when searching by every re-encoded or cropped copy', async () => {
    for (const [original, copy] of [...RE_ENCODED, ...CROPPED]) {
      const result = await ok<SearchResult>(await searchImage(library, copy, '?top_k=3'));
      expect(result.model).toBe(MODEL);
      expect(result.matches.map((m) => m.id)[0], original).toBe(original);
      expect(result.matches).toHaveLength(3);
      expect(result.matches[0]!.score).toBeGreaterThan(result.matches[1]!.score);
    }
  });

  it('finds an exact duplicate by SHA-256 (and only there)', async () => {
    const found = await ok<Duplicates>(await duplicates(library, cat));
    expect(found.exact.map((m) => m.id)).toEqual(['cat-chelsea']);
    expect(found.exact[0]!.phash_distance).toBe(0);
    expect(found.exact[0]!.score).toBeCloseTo(1, 5);
    expect(found.exact[0]!.metadata).toEqual({ kind: 'animal' });
    expect(found.near.map((m) => m.id)).not.toContain('cat-chelsea');
    expect(found.thresholds).toEqual({
      near_max_phash_distance: NEAR_MAX_PHASH_DISTANCE,
      near_min_cosine: NEAR_MIN_COSINE,
      similar_min_cosine: SIMILAR_MIN_COSINE,
    });
  });

  it('filters search results by exact metadata match', async () => {
    const result = await ok<SearchResult>(await searchImage(library, tulipsHalf, `?top_k=100&filter=${encodeURIComponent('{"kind":"flower"}')}`));
    expect(result.matches.map((m) => m.id).sort()).toEqual(
      LIBRARY.filter((p) => p.kind === 'flower')
        .map((p) => p.id)
        .sort(),
    );
    expect(result.matches[0]!.id).toBe('tulips-pink');
    const none = await ok<SearchResult>(await searchImage(library, tulipsHalf, `?filter=${encodeURIComponent('{"kind":"spaceship"}')}`));
    expect(none.matches).toEqual([]);
  });

  it('searches more like an item, leaving the item itself out', async () => {
    const result = await ok<SearchResult>(await search(library, { id: 'horses-herd', top_k: 5 }));
    expect(result.matches).toHaveLength(5);
    expect(result.matches.map((m) => m.id)).not.toContain('horses-herd');
    // The closest other picture measured: animals on grassland (cosine 0.67).
    expect(result.matches[0]!.id).toBe('person-dog-horse');
    // Query-string form, no body.
    const viaQuery = await ok<SearchResult>(await call(`/v1/collections/${library}/search?id=horses-herd&top_k=5`, { method: 'POST' }));
    expect(viaQuery.matches).toEqual(result.matches);
    await expectProblem(await search(library, { id: 'no-such-item' }), 404, 'not_found');
  });

  it('searches by embedding, honours min_score, and takes images in every ingestion form', async () => {
    const item = await ok<Item>(await call(`/v1/collections/${library}/items/eagle-shore?include=embedding`));
    expect(item.embedding).toHaveLength(1280);
    const byVector = await ok<SearchResult>(await search(library, { embedding: item.embedding, top_k: 100, min_score: 0.5 }));
    expect(byVector.matches[0]!.id).toBe('eagle-shore');
    expect(byVector.matches[0]!.score).toBeCloseTo(1, 5);
    expect(byVector.matches.every((m) => m.score >= 0.5)).toBe(true);
    expect(byVector.matches.length).toBeLessThan(LIBRARY.length);

    const base64 = await ok<SearchResult>(await search(library, { image: { base64: toBase64(eagleHalf) }, top_k: 1 }));
    const form = new FormData();
    form.append('image', new Blob([eagleHalf]), 'eagle.jpg');
    form.append('top_k', '1');
    const multipart = await ok<SearchResult>(await call(`/v1/collections/${library}/search`, { method: 'POST', body: form }));
    expect(base64.matches.map((m) => m.id)).toEqual(['eagle-shore']);
    expect(multipart.matches).toEqual(base64.matches);
  });

  it('answers text search with 503 model_not_installed', async () => {
    const problem = await expectProblem(await search(library, { text: 'a pink flower' }), 503, 'model_not_installed');
    expect(problem.detail).toBe(TEXT_DETAIL);
  });

  it('refuses a wrong embedding dimension, a bad filter, and anything but exactly one query', async () => {
    const wrongDim = await expectProblem(await search(library, { embedding: [0.1, 0.2, 0.3] }), 400, 'invalid_request');
    expect(wrongDim.field).toBe('embedding');
    await expectProblem(await search(library, { embedding: new Array(1280).fill(0) }), 400, 'invalid_request');
    await expectProblem(await search(library, { embedding: 'not json' }), 400, 'invalid_request');

    for (const filter of [[], {}, { kind: { $eq: 'flower' } }, { 'a.b': 1 }, { $kind: 'x' }, { kind: null }, 'flower']) {
      const problem = await expectProblem(await search(library, { id: 'tulips-pink', filter }), 400, 'invalid_request');
      expect(problem.field, JSON.stringify(filter)).toMatch(/^filter/);
    }
    await expectProblem(await searchImage(library, tulipsHalf, '?filter=%7Bnot-json'), 400, 'invalid_request');

    await expectProblem(await search(library, { top_k: 3 }), 400, 'invalid_request');
    await expectProblem(await search(library, { id: 'tulips-pink', embedding: [1] }), 400, 'invalid_request');
    await expectProblem(await search(library, { id: 'tulips-pink', image: { base64: toBase64(tulipsHalf) } }), 400, 'invalid_request');
    await expectProblem(await searchImage(library, tulipsHalf, '?id=tulips-pink'), 400, 'invalid_request');
    await expectProblem(await search(library, { id: 'tulips-pink', top_k: 0 }), 400, 'invalid_request');
    await expectProblem(await search(library, { id: 'tulips-pink', top_k: 101 }), 400, 'invalid_request');
    await expectProblem(await search(library, { id: 'tulips-pink', colour: 'pink' }), 400, 'invalid_request');
  });

  it('reads an item without its vector unless asked', async () => {
    const item = await ok<Item>(await call(`/v1/collections/${library}/items/giraffe-zebra`));
    expect(item).toEqual({
      collection: library,
      id: 'giraffe-zebra',
      model: MODEL,
      image: { sha256: '00dc48a9b2af8a1fe4c4b79319726591f1033c7e1150f21e7577a79f3b6659f1', width: 500, height: 500, format: 'jpeg' },
      phash: expect.stringMatching(/^[0-9a-f]{16}$/),
      metadata: { kind: 'animal' },
    });
    const collection = await ok<Record<string, unknown>>(await call(`/v1/collections/${library}`));
    expect(collection).toMatchObject({ name: library, model: MODEL, dim: 1280, engine: 'd1' });
    await expectProblem(await call(`/v1/collections/${library}/items/giraffe-zebra?include=everything`), 400, 'invalid_request');
  });
});

describe('duplicate tiers', () => {
  // A collection without the query pictures: what is left is only alike.
  const kinds = unique('kinds');
  beforeAll(async () => {
    for (const [id, bytes] of [
      ['progressive-flowers-pink', pinkFlowers],
      ['landscape-forest-stream', forestStream],
      ['page-english-text', page],
      ['paint-brushes', brushes],
    ] as const) {
      await ok(await put(kinds, id, bytes), 201);
    }
  }, 60_000);

  it('calls a different photo of the same kind of thing `similar`, not `near`', async () => {
    const flowers = await ok<Duplicates>(await duplicates(kinds, tulips));
    expect(flowers.exact).toEqual([]);
    expect(flowers.near).toEqual([]);
    expect(flowers.similar.map((m) => m.id)).toEqual(['progressive-flowers-pink']);
    const match = flowers.similar[0]!;
    expect(match.score).toBeGreaterThanOrEqual(SIMILAR_MIN_COSINE);
    // Apart in structure: it is the hash that says "not the same picture".
    expect(match.phash_distance!).toBeGreaterThan(NEAR_MAX_PHASH_DISTANCE);

    const landscapes = await ok<Duplicates>(await duplicates(kinds, cliffLake));
    expect(landscapes.near).toEqual([]);
    expect(landscapes.similar.map((m) => m.id)).toEqual(['landscape-forest-stream']);
  });

  it('puts an unrelated photo in no tier', async () => {
    const found = await ok<Duplicates>(await duplicates(kinds, rocket));
    expect(found).toMatchObject({ exact: [], near: [], similar: [], model: MODEL });
  });
});

describe('items', () => {
  it('creates with 201, replaces with 200, and takes metadata in JSON, multipart and the query string', async () => {
    const name = unique('items');
    const created = await ok<Item>(await put(name, 'cat', cat, `?metadata=${encodeURIComponent('{"album":"2024","stars":5}')}`), 201);
    expect(created).toMatchObject({ collection: name, id: 'cat', model: MODEL, metadata: { album: '2024', stars: 5 } });
    expect(created.image).toMatchObject({ width: 451, height: 300, format: 'jpeg' });
    expect(created.embedding).toBeUndefined();

    const replaced = await call(`/v1/collections/${name}/items/cat`, {
      method: 'PUT',
      body: JSON.stringify({ image: { base64: toBase64(catHalf) }, metadata: { album: '2025', favourite: true } }),
      headers: { 'content-type': 'application/json' },
    });
    const item = await ok<Item>(replaced, 200);
    expect(item.metadata).toEqual({ album: '2025', favourite: true });
    expect(item.image).toMatchObject({ width: 226, height: 150 });

    const form = new FormData();
    form.append('image', new Blob([coffee]), 'coffee.png');
    form.append('metadata', '{"album":"2024"}');
    await ok(await call(`/v1/collections/${name}/items/coffee`, { method: 'PUT', body: form }), 201);

    const byAlbum = await ok<SearchResult>(await search(name, { id: 'cat', filter: { album: '2024' } }));
    expect(byAlbum.matches.map((m) => m.id)).toEqual(['coffee']);
    const typed = await ok<SearchResult>(await search(name, { id: 'coffee', filter: { favourite: 'true' } }));
    expect(typed.matches).toEqual([]);
  });

  it('refuses bad metadata', async () => {
    const name = unique('metadata');
    for (const metadata of ['[1]', '{"nested":{"a":1}}', '{"list":[1]}', '{"$x":1}', '{"a.b":1}', `{"big":"${'x'.repeat(1100)}"}`, '{oops']) {
      const problem = await expectProblem(await put(name, 'x', cat, `?metadata=${encodeURIComponent(metadata)}`), 400, 'invalid_request');
      expect(problem.field, metadata).toMatch(/^metadata/);
    }
    await expectProblem(await put(name, 'x', cat, '?colour=red'), 400, 'invalid_request');
  });

  it('refuses bad collection names and item ids', async () => {
    for (const [name, id] of [
      ['has%20space', 'x'],
      ['slash%2Fname', 'x'],
      ['%C3%BC', 'x'],
      ['x'.repeat(129), 'x'],
      ['ok', 'a%20b'],
      ['ok', 'y'.repeat(129)],
      ['ok', '%2E%2E%2Fescape'],
    ]) {
      const problem = await expectProblem(await put(name!, id!, cat), 400, 'invalid_request');
      expect(['name', 'id']).toContain(problem.field);
      await expectProblem(await call(`/v1/collections/${name}/items/${id}`), 400, 'invalid_request');
      await expectProblem(await call(`/v1/collections/${name}/items/${id}`, { method: 'DELETE' }), 400, 'invalid_request');
    }
    await expectProblem(await search('bad%20name', { id: 'x' }), 400, 'invalid_request');
    await expectProblem(await duplicates('bad%20name', cat), 400, 'invalid_request');
    // The longest valid name works.
    await ok(await put('n'.repeat(128), 'i'.repeat(128), cat), 201);
  });

  it('removes a deleted item from results', async () => {
    const name = unique('delete');
    for (const [id, bytes] of [['cat', cat], ['coffee', coffee], ['giraffe', giraffe]] as const) await ok(await put(name, id, bytes), 201);
    const before = await ok<SearchResult>(await searchImage(name, catHalf));
    expect(before.matches.map((m) => m.id)).toEqual(['cat', expect.any(String), expect.any(String)]);

    const deleted = await call(`/v1/collections/${name}/items/cat`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    const after = await ok<SearchResult>(await searchImage(name, catHalf));
    expect(after.matches.map((m) => m.id).sort()).toEqual(['coffee', 'giraffe']);
    const dup = await ok<Duplicates>(await duplicates(name, cat));
    expect([...dup.exact, ...dup.near, ...dup.similar].map((m) => m.id)).not.toContain('cat');

    await expectProblem(await call(`/v1/collections/${name}/items/cat`), 404, 'not_found');
    await expectProblem(await call(`/v1/collections/${name}/items/cat`, { method: 'DELETE' }), 404, 'not_found');
    await expectProblem(await call(`/v1/collections/${unique('nothing')}/items/cat`), 404, 'not_found');
    await expectProblem(await searchImage(unique('nothing'), cat), 404, 'not_found');
  });

  it('fixes the embedding model at the first insert: another model or version is a 409', async () => {
    const name = unique('model');
    // A collection built by an earlier version of the model (written as a deployment with it would have).
    const db = (env as unknown as { SEARCH_DB: D1Database }).SEARCH_DB;
    await db.prepare('INSERT INTO collections (name, model, dim) VALUES (?, ?, ?)').bind(name, 'mobilenet-v2-features@0.9.0', 1280).run();
    const implicit = await expectProblem(await put(name, 'cat', cat), 409, CONFLICT_CODE);
    expect(implicit.detail).toContain('mobilenet-v2-features@0.9.0');
    await expectProblem(await put(name, 'cat', cat, '?model=mobilenet-v2-features'), 409, CONFLICT_CODE);
    await expectProblem(await searchImage(name, cat), 409, CONFLICT_CODE);
    // Not an embedding model at all.
    await expectProblem(await put(unique('model'), 'cat', cat, '?model=mobilenet-v2'), 400, 'invalid_request');
    await ok(await put(unique('model'), 'cat', cat, '?model=mobilenet-v2-features'), 201);
  });
});

describe('POST /v1/collections/{name}/items:batch', () => {
  const unit = (dim: number, hot: number) => Array.from({ length: dim }, (_, i) => (i === hot ? 1 : 0.01));

  it('stores bare vectors that search by embedding finds', async () => {
    const name = unique('batch');
    // An image fixes the collection's model and dimension (mobilenet-v2-features does not declare its dimension).
    await ok(await put(name, 'cat', cat), 201);
    const items = Array.from({ length: 20 }, (_, i) => ({ id: `v${i}`, embedding: unit(1280, i), metadata: { even: i % 2 === 0 } }));
    const stored = await ok<Record<string, unknown>>(await postJson(`/v1/collections/${name}/items:batch`, items));
    expect(stored).toEqual({ collection: name, model: MODEL, dim: 1280, upserted: 20 });

    const result = await ok<SearchResult>(await search(name, { embedding: unit(1280, 7), top_k: 3, filter: { even: false } }));
    expect(result.matches[0]).toMatchObject({ id: 'v7', metadata: { even: false } });
    expect(result.matches[0]!.score).toBeCloseTo(1, 5);
    expect(result.matches.every((m) => m.metadata.even === false)).toBe(true);

    const item = await ok<Item>(await call(`/v1/collections/${name}/items/v3`));
    expect(item).toMatchObject({ image: null, phash: null, metadata: { even: false } });
    // Bare vectors have no hash: duplicates rank them but never call them near.
    const dup = await ok<Duplicates>(await duplicates(name, catHalf));
    expect(dup.near.map((m) => m.id)).toEqual(['cat']);
  });

  it('never lets the first vectors set the dimension of a new collection', async () => {
    const name = unique('batch');
    const response = await postJson(`/v1/collections/${name}/items:batch`, [{ id: 'a', embedding: [1, 2, 3] }]);
    // 404 while the model does not declare its dimension, 400 once it does.
    expect([400, 404], await response.text()).toContain(response.status);
    await expectProblem(await call(`/v1/collections/${name}`), 404, 'not_found');
  });

  it('refuses a wrong dimension, duplicate ids, bad items and an empty batch', async () => {
    const name = unique('batch');
    await ok(await put(name, 'cat', cat), 201);
    const wrongDim = await expectProblem(await postJson(`/v1/collections/${name}/items:batch`, [{ id: 'b', embedding: unit(512, 0) }]), 400, 'invalid_request');
    expect(wrongDim.field).toBe('[0].embedding');
    await ok(await postJson(`/v1/collections/${name}/items:batch`, [{ id: 'a', embedding: unit(1280, 0) }]));
    await expectProblem(
      await postJson(`/v1/collections/${name}/items:batch`, [
        { id: 'a', embedding: unit(1280, 0) },
        { id: 'a', embedding: unit(1280, 1) },
      ]),
      400,
      'invalid_request',
    );
    await expectProblem(await postJson(`/v1/collections/${name}/items:batch`, [{ id: 'bad id', embedding: unit(1280, 0) }]), 400, 'invalid_request');
    await expectProblem(await postJson(`/v1/collections/${name}/items:batch`, [{ id: 'c', embedding: unit(1280, 0), extra: 1 }]), 400, 'invalid_request');
    await expectProblem(await postJson(`/v1/collections/${name}/items:batch`, []), 400, 'invalid_request');
    await expectProblem(await postJson(`/v1/collections/${name}/items:batch`, { id: 'a' }), 400, 'invalid_request');
  });
});

/**
 * There is no local Vectorize, so the adapter is checked against the
 * documented binding API with a recording fake: every call and its exact
 * arguments. The fake also answers (an in-memory exact search) so the routes
 * can run on it end to end.
 */
class RecordingVectorize implements VectorizeBinding {
  readonly calls: Array<[string, ...unknown[]]> = [];
  readonly vectors = new Map<string, VectorizeVector>();

  async upsert(vectors: VectorizeVector[]) {
    this.calls.push(['upsert', vectors]);
    for (const v of vectors) this.vectors.set(v.id, v);
    return { mutationId: 'm1' };
  }
  async deleteByIds(ids: string[]) {
    this.calls.push(['deleteByIds', ids]);
    for (const id of ids) this.vectors.delete(id);
    return { mutationId: 'm2' };
  }
  async getByIds(ids: string[]) {
    this.calls.push(['getByIds', ids]);
    return ids.flatMap((id) => (this.vectors.has(id) ? [this.vectors.get(id)!] : []));
  }
  async query(vector: Float32Array | number[], options: VectorizeQueryOptions = {}) {
    this.calls.push(['query', vector, options]);
    const matches = [...this.vectors.values()]
      .filter((v) => v.namespace === options.namespace)
      .filter((v) => Object.entries(options.filter ?? {}).every(([k, want]) => v.metadata?.[k] === want))
      .map((v) => ({ id: v.id, score: Array.from(vector).reduce((s, x, i) => s + x * Number(v.values[i]), 0), ...(options.returnMetadata === 'all' ? { metadata: v.metadata } : {}) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, options.topK ?? 5);
    return { matches, count: matches.length };
  }
}

describe('Vectorize engine (recording fake binding)', () => {
  const facts = { sha256: 'a'.repeat(64), phash: '0123456789abcdef', width: 640, height: 480, format: 'jpeg' };

  it('upserts into the collection namespace with hashed ids, caller metadata top-level and the item record under _item', async () => {
    const fake = new RecordingVectorize();
    const index = new VectorizeVectorIndex(fake, 'albums');
    const vector = new Float32Array([0.6, 0.8]);
    await index.upsert([{ id: 'photo-1', vector, image: facts, metadata: { album: '2024', stars: 5 } }]);
    const id = await vectorId('albums', 'photo-1');
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(fake.calls).toEqual([
      [
        'upsert',
        [{ id, namespace: 'albums', values: vector, metadata: { album: '2024', stars: 5, _item: { id: 'photo-1', ...facts } } }],
      ],
    ]);
  });

  it('queries with topK, namespace, filter and full metadata up to 20 results', async () => {
    const fake = new RecordingVectorize();
    const index = new VectorizeVectorIndex(fake, 'albums');
    await index.upsert([
      { id: 'a', vector: new Float32Array([1, 0]), image: facts, metadata: { album: '2024' } },
      { id: 'b', vector: new Float32Array([0, 1]), metadata: { album: '2023' } },
    ]);
    fake.calls.length = 0;
    const query = new Float32Array([1, 0]);
    const matches = await index.query(query, 5, { album: '2024' });
    expect(fake.calls).toEqual([['query', query, { topK: 5, namespace: 'albums', returnValues: false, filter: { album: '2024' }, returnMetadata: 'all' }]]);
    expect(matches).toEqual([{ id: 'a', score: 1, image: facts, metadata: { album: '2024' } }]);
  });

  it('over 20 results, queries ids only and reads metadata with one getByIds', async () => {
    const fake = new RecordingVectorize();
    const index = new VectorizeVectorIndex(fake, 'albums');
    await index.upsert([{ id: 'a', vector: new Float32Array([1, 0]), metadata: {} }]);
    fake.calls.length = 0;
    const query = new Float32Array([1, 0]);
    const matches = await index.query(query, 100);
    const id = await vectorId('albums', 'a');
    expect(fake.calls).toEqual([
      ['query', query, { topK: 100, namespace: 'albums', returnValues: false, returnMetadata: 'none' }],
      ['getByIds', [id]],
    ]);
    expect(matches).toEqual([{ id: 'a', score: 1, metadata: {} }]);
  });

  it('gets and deletes by hashed id, and hashes namespaces over 64 bytes', async () => {
    const fake = new RecordingVectorize();
    const index = new VectorizeVectorIndex(fake, 'albums');
    await index.upsert([{ id: 'a', vector: new Float32Array([1, 0]), metadata: { x: 1 } }]);
    fake.calls.length = 0;
    const id = await vectorId('albums', 'a');
    expect(await index.get(['a', 'missing'], { vectors: true })).toEqual([{ id: 'a', vector: new Float32Array([1, 0]), metadata: { x: 1 } }]);
    await index.delete(['a']);
    expect(fake.calls).toEqual([
      ['getByIds', [id, await vectorId('albums', 'missing')]],
      ['deleteByIds', [id]],
    ]);
    const long = 'c'.repeat(100);
    const namespace = await namespaceOf(long);
    expect(namespace).toMatch(/^~[0-9a-f]{63}$/);
    expect(await namespaceOf('c'.repeat(64))).toBe('c'.repeat(64));
  });

  it('serves the routes when SEARCH_ENGINE is vectorize', async () => {
    const fake = new RecordingVectorize();
    const bindings = { ...(env as object), SEARCH_ENGINE: 'vectorize', VECTORS: fake };
    const fetchWith = async (path: string, init: RequestInit) => {
      const ctx = createExecutionContext();
      const response = await app.fetch(new Request(`https://api.test${path}`, init), bindings, ctx);
      await waitOnExecutionContext(ctx);
      return response;
    };
    const name = unique('vectorize');
    const body = { method: 'PUT', body: cat, headers: { 'content-type': 'application/octet-stream' } };
    await ok(await fetchWith(`/v1/collections/${name}/items/cat?metadata=${encodeURIComponent('{"album":"2024"}')}`, body), 201);
    const [, upserted] = fake.calls.find(([method]) => method === 'upsert')!;
    const [vector] = upserted as VectorizeVector[];
    expect(vector).toMatchObject({ id: await vectorId(name, 'cat'), namespace: name, metadata: { album: '2024', _item: { id: 'cat', width: 451, height: 300, format: 'jpeg' } } });
    expect(vector!.values).toHaveLength(1280);

    fake.calls.length = 0;
    const result = await ok<SearchResult>(
      await fetchWith(`/v1/collections/${name}/search`, { method: 'POST', body: JSON.stringify({ id: 'cat', top_k: 3, filter: { album: '2024' } }), headers: { 'content-type': 'application/json' } }),
    );
    expect(result.matches).toEqual([]);
    expect(fake.calls.map(([method]) => method)).toEqual(['getByIds', 'query']);
    expect(fake.calls[1]![2]).toEqual({ topK: 4, namespace: name, returnValues: false, filter: { album: '2024' }, returnMetadata: 'all' });
    const info = await ok<Record<string, unknown>>(await fetchWith(`/v1/collections/${name}`, { method: 'GET' }));
    expect(info.engine).toBe('vectorize');
  });
});
