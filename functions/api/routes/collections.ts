import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ApiError } from '../../../shared/errors/api-error.ts';
import type { AppEnv } from '../../../shared/http/app-env.ts';
import { ingestImage, summarize, type IngestedImage } from '../../../shared/ingest/ingest-image.ts';
import { readCapped } from '../../../shared/ingest/read-capped.ts';
import type { ModelManifest } from '../../../shared/models/manifest.ts';
import type { Collection } from '../../../shared/search/catalog.ts';
import { conflict } from '../../../shared/search/conflict.ts';
import {
  classifyDuplicates,
  DUPLICATE_CANDIDATES,
  NEAR_MAX_PHASH_DISTANCE,
  NEAR_MIN_COSINE,
  SIMILAR_MIN_COSINE,
} from '../../../shared/search/duplicates.ts';
import { openSearch, type Search, type SearchBindings } from '../../../shared/search/engine.ts';
import { parseFilter, parseMetadata } from '../../../shared/search/metadata.ts';
import { checkName, NAME_PATTERN } from '../../../shared/search/names.ts';
import type { ImageFacts, IndexItem, StoredItem } from '../../../shared/search/vector-index.ts';
import { normalize } from '../../../shared/search/vector.ts';
import { answerTask } from '../../../shared/tasks/image-task.ts';
import { parseParams } from '../../../shared/tasks/params.ts';
import { imageRequestBody, ImageSummarySchema, ProblemSchema } from '../openapi/schemas.ts';
import { embedTask } from './embed.ts';
import { inspectTask } from './inspect.ts';

/**
 * Collections: images indexed by embedding, perceptual hash and content
 * hash, for search (by image, by id, by vector) and duplicate detection.
 * The engine behind them (D1 exact scan or Vectorize) is chosen by the
 * SEARCH_ENGINE var; see shared/search/.
 */

const TEXT_SEARCH_DETAIL = 'text search needs MobileCLIP: npm run models:pull -- mobileclip-s0';
/** Bare-vector inserts per request: 500 x 1280-d is ~13 MB of JSON, inside the body cap. */
const MAX_BATCH_ITEMS = 500;
const MAX_BATCH_BYTES = 16 * 1024 * 1024;
/** Room for the JSON around a base64 image (as the ingestion layer allows). */
const ENVELOPE_BYTES = 64 * 1024;

// ---------------------------------------------------------------- schemas

const Name = z.string().regex(NAME_PATTERN).openapi({ description: 'Collection name: 1 to 128 of A-Z a-z 0-9 . _ -' });
const Id = z.string().regex(NAME_PATTERN).openapi({ description: 'Item id: 1 to 128 of A-Z a-z 0-9 . _ -' });
const MetadataSchema = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
  .openapi('CollectionMetadata', { description: 'Flat object of strings, numbers and booleans, at most 1 KB as JSON. Keys match ^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$.' });

const PutParams = z
  .object({
    model: z.string().optional().openapi({ description: "Embedding model id (GET /v1/models). Default: the collection's model, or mobilenet-v2-features for a new collection." }),
    metadata: z.unknown().optional().openapi({ description: 'Metadata object (JSON body), or the same as JSON text (query string, multipart field).' }),
  })
  .strict();

const GetParams = z.object({ include: z.enum(['embedding']).optional().openapi({ description: '`embedding` to include the stored vector.' }) }).strict();
const NoParams = z.object({}).strict();
const BatchParams = z.object({ model: PutParams.shape.model }).strict();

const SearchParams = z
  .object({
    text: z.string().min(1).optional().openapi({ description: 'Text query (needs a text-capable model).' }),
    id: z.string().optional().openapi({ description: 'More like this item (the item itself is left out).' }),
    embedding: z.unknown().optional().openapi({ description: "A vector of the collection's dimension (array, or JSON text in the query string)." }),
    top_k: z.coerce.number().int().min(1).max(100).default(10).openapi({ description: 'How many matches, best first.' }),
    min_score: z.coerce.number().min(-1).max(1).optional().openapi({ description: 'Leave out matches with a lower cosine similarity.' }),
    filter: z.unknown().optional().openapi({ description: 'Exact match on top-level metadata keys, e.g. {"album":"2024"} (JSON text in query strings and multipart fields).' }),
  })
  .strict();

const ImageFactsSchema = ImageSummarySchema.omit({ animated: true });

const ItemSchema = z
  .object({
    collection: z.string(),
    id: z.string(),
    model: z.string().openapi({ description: "The collection's embedding model, `<id>@<version>`." }),
    image: ImageFactsSchema.nullable().openapi({ description: 'null for items inserted as bare vectors.' }),
    phash: z.string().nullable(),
    metadata: MetadataSchema,
    embedding: z.array(z.number()).optional().openapi({ description: 'With `?include=embedding`: the stored L2-normalised vector.' }),
  })
  .openapi('CollectionItem');

const CollectionSchema = z
  .object({ name: z.string(), model: z.string(), dim: z.number().int(), engine: z.enum(['d1', 'vectorize']), created_at: z.string() })
  .openapi('Collection');

const SearchMatch = z.object({ id: z.string(), score: z.number().openapi({ description: 'Cosine similarity.' }), metadata: MetadataSchema });
const SearchResult = z.object({ matches: z.array(SearchMatch), model: z.string() }).openapi('SearchResult');

const DuplicateMatch = SearchMatch.extend({ phash_distance: z.number().int().nullable().openapi({ description: 'Perceptual-hash Hamming distance in bits (null for bare-vector items).' }) });
const DuplicatesResult = z
  .object({
    exact: z.array(DuplicateMatch).openapi({ description: 'Same bytes (SHA-256).' }),
    near: z.array(DuplicateMatch).openapi({ description: 'Same picture re-encoded, resized or lightly cropped: pHash distance and cosine both within the thresholds.' }),
    similar: z.array(DuplicateMatch).openapi({ description: 'Semantically alike only.' }),
    thresholds: z.object({ near_max_phash_distance: z.number(), near_min_cosine: z.number(), similar_min_cosine: z.number() }),
    model: z.string(),
    image: ImageSummarySchema,
  })
  .openapi('DuplicatesResult');

const BatchItem = z.object({ id: Id, embedding: z.array(z.number()), metadata: MetadataSchema.optional() });
const BatchResult = z.object({ collection: z.string(), model: z.string(), dim: z.number().int(), upserted: z.number().int() });

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ProblemSchema } } });
const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const errors = {
  400: problem('Invalid name, id, parameter, metadata, filter or vector (`invalid_request`), or a bad image upload'),
  404: problem('No such collection or item (`not_found`)'),
  409: problem("The request's embedding model differs from the collection's"),
  503: problem('Search not configured or schema not applied (`backend_unavailable`), text search without a text model (`model_not_installed`)'),
};

const itemPath = '/v1/collections/{name}/items/{id}';
const pathParams = z.object({ name: Name, id: Id });
const tags = ['collections'];

const putItemRoute = createRoute({
  method: 'put',
  path: itemPath,
  summary: 'Index an image in a collection (embedding, perceptual hash, SHA-256, size, metadata); creates the collection on first insert',
  tags,
  request: { params: pathParams, query: PutParams, body: imageRequestBody(PutParams) },
  responses: { 200: json(ItemSchema, 'Replaced'), 201: json(ItemSchema, 'Created'), ...errors },
});
const getItemRoute = createRoute({
  method: 'get',
  path: itemPath,
  summary: 'An indexed item',
  tags,
  request: { params: pathParams, query: GetParams },
  responses: { 200: json(ItemSchema, 'The item'), ...errors },
});
const deleteItemRoute = createRoute({
  method: 'delete',
  path: itemPath,
  summary: 'Remove an item',
  tags,
  request: { params: pathParams },
  responses: { 204: { description: 'Removed' }, ...errors },
});
const getCollectionRoute = createRoute({
  method: 'get',
  path: '/v1/collections/{name}',
  summary: "A collection's model, dimension and engine",
  tags,
  request: { params: z.object({ name: Name }) },
  responses: { 200: json(CollectionSchema, 'The collection'), ...errors },
});
const batchRoute = createRoute({
  method: 'post',
  path: '/v1/collections/{name}/items:batch',
  summary: `Insert or replace up to ${MAX_BATCH_ITEMS} items given as vectors (no image), for imports and benchmarks. Creates the collection only when its model declares its dimension`,
  tags,
  request: {
    params: z.object({ name: Name }),
    query: BatchParams,
    body: { required: true, content: { 'application/json': { schema: z.array(BatchItem).max(MAX_BATCH_ITEMS) } } },
  },
  responses: { 200: json(BatchResult, 'Stored'), 413: problem('Body over 16 MiB (`payload_too_large`)'), ...errors },
});
const searchRoute = createRoute({
  method: 'post',
  path: '/v1/collections/{name}/search',
  summary: 'Nearest items by cosine similarity to exactly one of: an image, a text, an item id, an embedding',
  tags,
  request: { params: z.object({ name: Name }), query: SearchParams, body: imageRequestBody(SearchParams) },
  responses: { 200: json(SearchResult, 'Matches, best first'), ...errors },
});
const duplicatesRoute = createRoute({
  method: 'post',
  path: '/v1/collections/{name}/duplicates',
  summary: 'Exact, near and similar copies of an image in a collection',
  tags,
  request: { params: z.object({ name: Name }), body: imageRequestBody(NoParams) },
  responses: { 200: json(DuplicatesResult, 'The three tiers, best first in each'), ...errors },
});

// ---------------------------------------------------------------- helpers

type C = Context<AppEnv>;

function search(c: C): Search {
  // The search bindings are optional (see SearchBindings), so they are read
  // from the environment rather than required by its type.
  return openSearch(c.env as SearchBindings);
}

const modelName = (manifest: ModelManifest) => `${manifest.id}@${manifest.version}`;

function resolveModel(requested: string | undefined): ModelManifest {
  return embedTask.model(parseParams(embedTask.params, requested === undefined ? {} : { model: requested }));
}

/**
 * The manifest that embeds for this collection. Its model must be installed
 * at the same version: vectors of another version are not comparable.
 */
function collectionModel(collection: Collection): ModelManifest {
  const id = collection.model.slice(0, collection.model.lastIndexOf('@'));
  let manifest: ModelManifest;
  try {
    manifest = resolveModel(id);
  } catch {
    throw conflict(`Collection \`${collection.name}\` was built with ${collection.model}, which this deployment does not have.`, { model: collection.model });
  }
  if (modelName(manifest) !== collection.model) {
    throw conflict(`Collection \`${collection.name}\` was built with ${collection.model}; this deployment has ${modelName(manifest)}. Re-index it into a new collection.`, {
      model: collection.model,
    });
  }
  return manifest;
}

function checkSameModel(collection: Collection, manifest: ModelManifest): void {
  if (modelName(manifest) !== collection.model) {
    throw conflict(`Collection \`${collection.name}\` holds ${collection.model} embeddings; it cannot take ${modelName(manifest)}.`, {
      field: 'model',
      model: collection.model,
    });
  }
}

async function requireCollection(s: Search, name: string): Promise<Collection> {
  const collection = await s.catalog.get(name);
  if (!collection) throw new ApiError(404, 'not_found', `No collection \`${name}\`.`);
  return collection;
}

/** The image's embedding by this model, through the same task and cache as /v1/embed. */
async function embed(c: C, image: IngestedImage, manifest: ModelManifest): Promise<Float32Array> {
  const answer = await answerTask(c, embedTask, image, { model: manifest.id });
  const vector = normalize((answer.body as { embedding: number[] }).embedding);
  if (!vector) throw new ApiError(500, 'model_failed', 'The model produced an empty embedding.');
  return vector;
}

/** The perceptual hash, through the same task and cache as /v1/inspect. */
async function phashOf(c: C, image: IngestedImage): Promise<string> {
  const answer = await answerTask(c, inspectTask, image, {});
  return (answer.body as { phash: string }).phash;
}

function imageFacts(image: IngestedImage, phash: string): ImageFacts {
  return { sha256: image.sha256, phash, width: image.info.width, height: image.info.height, format: image.info.format };
}

function itemBody(collection: Collection, item: StoredItem) {
  const { image } = item;
  return {
    collection: collection.name,
    id: item.id,
    model: collection.model,
    image: image ? { sha256: image.sha256, width: image.width, height: image.height, format: image.format } : null,
    phash: image?.phash ?? null,
    metadata: item.metadata,
    ...(item.vector ? { embedding: Array.from(item.vector) } : {}),
  };
}

function queryParams(c: C): Record<string, unknown> {
  return Object.fromEntries(new URL(c.req.url).searchParams);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new ApiError(400, 'invalid_request', 'The body is not valid JSON.');
  }
}

/** A caller's vector: finite numbers, of the collection's dimension, normalised here. */
function parseEmbedding(raw: unknown, dim: number, field: string): Float32Array {
  let value = raw;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new ApiError(400, 'invalid_request', `\`${field}\` is not valid JSON.`, { field });
    }
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number')) {
    throw new ApiError(400, 'invalid_request', `\`${field}\` must be an array of numbers.`, { field });
  }
  if (value.length !== dim) {
    throw new ApiError(400, 'invalid_request', `\`${field}\` has ${value.length} dimensions; the collection's have ${dim}.`, { field, dim });
  }
  const vector = normalize(value as number[]);
  if (!vector) throw new ApiError(400, 'invalid_request', `\`${field}\` must be finite and not all zeros.`, { field });
  return vector;
}

function mediaType(request: Request): string {
  return (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * A search names its query in one of several ways: an image in any of the
 * ingestion forms, or JSON (or query-string) parameters without an image.
 * A JSON body is read once here and, when it carries `image`, handed to the
 * ingestion layer as the same bytes, so `{"image": {"url"|"base64"}}`
 * behaves exactly as on every other image route.
 */
async function readSearchRequest(c: C): Promise<{ params: Record<string, unknown>; image?: IngestedImage }> {
  const request = c.req.raw;
  const config = c.get('config');
  const type = mediaType(request);
  if (type === 'application/json' || type.endsWith('+json')) {
    const cap = Math.ceil((config.maxImageBytes * 4) / 3) + ENVELOPE_BYTES;
    const bytes = await readCapped(request.body, cap, request.headers.get('content-length'));
    const body = parseJson(bytes);
    if (!isObject(body)) throw new ApiError(400, 'invalid_request', 'The JSON body must be an object.');
    if ('image' in body) {
      const image = await ingestImage(new Request(request.url, { method: 'POST', headers: request.headers, body: bytes }), config, c.get('timing'));
      return { params: image.params, image };
    }
    const query = queryParams(c);
    for (const name of Object.keys(query)) {
      if (name in body) {
        throw new ApiError(400, 'invalid_request', `The parameter \`${name}\` is given both in the query string and in the body; give it once.`, { field: name });
      }
    }
    return { params: { ...query, ...body } };
  }
  // No body at all: every parameter is in the query string (e.g. ?id=...).
  if (type === '' && request.body === null) return { params: queryParams(c) };
  const image = await ingestImage(request, config, c.get('timing'));
  return { params: image.params, image };
}

// ---------------------------------------------------------------- routes

export function registerCollections(app: OpenAPIHono<AppEnv>): void {
  for (const route of [getCollectionRoute, putItemRoute, getItemRoute, deleteItemRoute, batchRoute, searchRoute, duplicatesRoute]) {
    app.openAPIRegistry.registerPath(route);
  }

  app.get('/v1/collections/:name', async (c) => {
    const name = checkName(c.req.param('name'), 'name');
    parseParams(NoParams, queryParams(c));
    const s = search(c);
    const collection = await requireCollection(s, name);
    return c.json({ ...collection, engine: s.engine });
  });

  app.put('/v1/collections/:name/items/:id', async (c) => {
    const name = checkName(c.req.param('name'), 'name');
    const id = checkName(c.req.param('id'), 'id');
    const s = search(c);
    const image = await ingestImage(c.req.raw, c.get('config'), c.get('timing'));
    const params = parseParams(PutParams, image.params);
    const metadata = parseMetadata(params.metadata);

    // The model is settled before any inference: the collection's own unless
    // the request names one, and a mismatch is refused without computing.
    const existing = await s.catalog.get(name);
    const manifest = existing && params.model === undefined ? collectionModel(existing) : resolveModel(params.model);
    if (existing) checkSameModel(existing, manifest);

    const vector = await embed(c, image, manifest);
    const facts = imageFacts(image, await phashOf(c, image));
    const collection = existing ?? (await s.catalog.claim(name, modelName(manifest), vector.length));
    // A concurrent first insert may have created it with another model.
    checkSameModel(collection, manifest);

    const index = s.index(name);
    const replaced = (await index.get([id])).length > 0;
    await index.upsert([{ id, vector, image: facts, metadata }]);
    return c.json(itemBody(collection, { id, image: facts, metadata }), replaced ? 200 : 201);
  });

  app.get('/v1/collections/:name/items/:id', async (c) => {
    const name = checkName(c.req.param('name'), 'name');
    const id = checkName(c.req.param('id'), 'id');
    const params = parseParams(GetParams, queryParams(c));
    const s = search(c);
    const collection = await requireCollection(s, name);
    const [item] = await s.index(name).get([id], { vectors: params.include === 'embedding' });
    if (!item) throw new ApiError(404, 'not_found', `No item \`${id}\` in collection \`${name}\`.`);
    return c.json(itemBody(collection, item));
  });

  app.delete('/v1/collections/:name/items/:id', async (c) => {
    const name = checkName(c.req.param('name'), 'name');
    const id = checkName(c.req.param('id'), 'id');
    parseParams(NoParams, queryParams(c));
    const s = search(c);
    await requireCollection(s, name);
    const index = s.index(name);
    if ((await index.get([id])).length === 0) throw new ApiError(404, 'not_found', `No item \`${id}\` in collection \`${name}\`.`);
    await index.delete([id]);
    return c.body(null, 204);
  });

  // `items:batch` is a literal segment (a custom method, as in Google's API
  // style); Hono reads a bare ':' as a parameter, hence the pattern.
  app.post('/v1/collections/:name/:action{items:batch}', async (c) => {
    const name = checkName(c.req.param('name'), 'name');
    const params = parseParams(BatchParams, queryParams(c));
    const s = search(c);
    const bytes = await readCapped(c.req.raw.body, MAX_BATCH_BYTES, c.req.header('content-length') ?? null);
    const body = parseJson(bytes);
    if (!Array.isArray(body) || body.length === 0 || body.length > MAX_BATCH_ITEMS) {
      throw new ApiError(400, 'invalid_request', `The body must be a JSON array of 1 to ${MAX_BATCH_ITEMS} items {id, embedding, metadata}.`);
    }

    const existing = await s.catalog.get(name);
    const manifest = existing && params.model === undefined ? collectionModel(existing) : resolveModel(params.model);
    if (existing) checkSameModel(existing, manifest);
    // The dimension is the collection's, or for a new one the model's as its
    // manifest declares it; never the caller's vectors', which could be anything.
    const dim = existing?.dim ?? manifest.output.dims;
    if (dim === undefined) {
      throw new ApiError(
        404,
        'not_found',
        `No collection \`${name}\`, and ${modelName(manifest)} does not declare its dimension: create the collection by PUTting one image first.`,
      );
    }

    const seen = new Set<string>();
    const items: IndexItem[] = body.map((raw: unknown, i): IndexItem => {
      const at = `[${i}]`;
      if (!isObject(raw)) throw new ApiError(400, 'invalid_request', `Item ${at} must be an object {id, embedding, metadata}.`, { field: at });
      const unknown = Object.keys(raw).filter((key) => key !== 'id' && key !== 'embedding' && key !== 'metadata');
      if (unknown.length > 0) throw new ApiError(400, 'invalid_request', `Unknown field \`${unknown[0]}\` in item ${at}.`, { field: `${at}.${unknown[0]}` });
      if (typeof raw.id !== 'string') throw new ApiError(400, 'invalid_request', `Item ${at} needs a string \`id\`.`, { field: `${at}.id` });
      const id = checkName(raw.id, 'id');
      if (seen.has(id)) throw new ApiError(400, 'invalid_request', `Item id \`${id}\` appears twice in the batch.`, { field: `${at}.id` });
      seen.add(id);
      return { id, vector: parseEmbedding(raw.embedding, dim, `${at}.embedding`), metadata: parseMetadata(raw.metadata, `${at}.metadata`) };
    });

    const collection = existing ?? (await s.catalog.claim(name, modelName(manifest), dim));
    checkSameModel(collection, manifest);
    if (collection.dim !== dim) throw conflict(`Collection \`${name}\` holds ${collection.dim}-d vectors.`, { dim: collection.dim });
    await s.index(name).upsert(items);
    return c.json({ collection: name, model: collection.model, dim, upserted: items.length });
  });

  app.post('/v1/collections/:name/search', async (c) => {
    const name = checkName(c.req.param('name'), 'name');
    const s = search(c);
    const { params: raw, image } = await readSearchRequest(c);
    const params = parseParams(SearchParams, raw);
    const filter = parseFilter(params.filter);
    const given = (['image', 'text', 'id', 'embedding'] as const).filter((mode) => (mode === 'image' ? image !== undefined : params[mode] !== undefined));
    if (given.length !== 1) {
      throw new ApiError(400, 'invalid_request', 'Give exactly one of `image`, `text`, `id` or `embedding`.', { field: given[1] ?? 'image' });
    }
    // No text encoder is installed (MobileNetV2 embeds images only), whatever the collection.
    if (params.text !== undefined) throw new ApiError(503, 'model_not_installed', TEXT_SEARCH_DETAIL);

    const collection = await requireCollection(s, name);
    const index = s.index(name);
    let vector: Float32Array;
    let self: string | undefined;
    if (image) {
      vector = await embed(c, image, collectionModel(collection));
    } else if (params.id !== undefined) {
      const id = checkName(params.id, 'id');
      const [item] = await index.get([id], { vectors: true });
      if (!item?.vector) throw new ApiError(404, 'not_found', `No item \`${id}\` in collection \`${name}\`.`, { field: 'id' });
      vector = item.vector;
      self = id;
    } else {
      vector = parseEmbedding(params.embedding, collection.dim, 'embedding');
    }

    // More like this: one extra result, since the item itself ranks first.
    const found = await c.get('timing').measure('search', () => index.query(vector, params.top_k + (self ? 1 : 0), filter), s.engine);
    const matches = found
      .filter((m) => m.id !== self)
      .slice(0, params.top_k)
      .filter((m) => params.min_score === undefined || m.score >= params.min_score)
      .map((m) => ({ id: m.id, score: m.score, metadata: m.metadata }));
    return c.json({ matches, model: collection.model });
  });

  app.post('/v1/collections/:name/duplicates', async (c) => {
    const name = checkName(c.req.param('name'), 'name');
    const s = search(c);
    const image = await ingestImage(c.req.raw, c.get('config'), c.get('timing'));
    parseParams(NoParams, image.params);
    const collection = await requireCollection(s, name);
    const vector = await embed(c, image, collectionModel(collection));
    const phash = await phashOf(c, image);
    const candidates = await c.get('timing').measure('search', () => s.index(name).query(vector, DUPLICATE_CANDIDATES), s.engine);
    const tiers = classifyDuplicates({ sha256: image.sha256, phash }, candidates);
    return c.json({
      ...tiers,
      thresholds: { near_max_phash_distance: NEAR_MAX_PHASH_DISTANCE, near_min_cosine: NEAR_MIN_COSINE, similar_min_cosine: SIMILAR_MIN_COSINE },
      model: collection.model,
      image: summarize(image),
    });
  });
}
