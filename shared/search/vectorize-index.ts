import { sha256Hex } from '../hash/sha256.ts';
import type { Metadata } from './metadata.ts';
import type { ImageFacts, IndexItem, IndexMatch, StoredItem, VectorIndex } from './vector-index.ts';

/**
 * The production engine for large collections: Cloudflare Vectorize through
 * its Worker binding. The index must be created for the collections' model,
 * with cosine scores:
 *
 *   npx wrangler vectorize create edge-vision-search --dimensions=1280 --metric=cosine
 *
 * and every metadata key that searches filter on needs a metadata index
 * created before the items are inserted (Vectorize filters only indexed
 * properties, on the first 64 bytes of strings):
 *
 *   npx wrangler vectorize create-metadata-index edge-vision-search --property-name=album --type=string
 *
 * Layout: a collection is a Vectorize namespace; a vector id is the SHA-256
 * of "<collection>/<id>" (Vectorize ids are per index and at most 64 bytes,
 * item ids may be 128); the caller's metadata is stored top-level so that
 * its filter syntax applies unchanged, and what the API itself keeps (the
 * item id, image facts) is under `_item`, a key callers cannot use
 * (METADATA_KEY starts with a letter or digit).
 *
 * Vectorize applies writes asynchronously: an item is searchable a few
 * seconds after its PUT returns, and a DELETE takes as long to disappear.
 */

/** The binding methods used here: `Vectorize` (V2) and the older `VectorizeIndex` both have them. */
export interface VectorizeBinding {
  upsert(vectors: VectorizeVector[]): Promise<unknown>;
  deleteByIds(ids: string[]): Promise<unknown>;
  getByIds(ids: string[]): Promise<VectorizeVector[]>;
  query(vector: Float32Array | number[], options?: VectorizeQueryOptions): Promise<VectorizeMatches>;
}

/** Documented limits: topK up to 20 when metadata or values are returned, 100 otherwise; 1000 vectors per upsert from a Worker. */
export const VECTORIZE_MAX_TOPK_WITH_METADATA = 20;
export const VECTORIZE_MAX_TOPK = 100;
export const VECTORIZE_MAX_UPSERT = 1000;
const MAX_NAMESPACE_BYTES = 64;

type ItemRecord = { id: string } & Partial<ImageFacts>;

export async function vectorId(collection: string, id: string): Promise<string> {
  return sha256Hex(`${collection}/${id}`);
}

/** The collection's namespace: its name when it fits in 64 bytes, else a hash that no valid name can equal ('~' is not in NAME_PATTERN). */
export async function namespaceOf(collection: string): Promise<string> {
  if (collection.length <= MAX_NAMESPACE_BYTES) return collection;
  return `~${(await sha256Hex(collection)).slice(0, MAX_NAMESPACE_BYTES - 1)}`;
}

function toVectorizeMetadata(item: IndexItem): Record<string, VectorizeVectorMetadata> {
  const record: Record<string, string | number> = { id: item.id, ...(item.image ?? {}) };
  return { ...item.metadata, _item: record };
}

function fromVectorizeMetadata(metadata: Record<string, VectorizeVectorMetadata> | undefined): { id: string; image?: ImageFacts; metadata: Metadata } | undefined {
  const { _item: record, ...rest } = metadata ?? {};
  if (!record || typeof record !== 'object' || Array.isArray(record)) return undefined;
  const { id, sha256, phash, width, height, format } = record as ItemRecord;
  const image =
    typeof sha256 === 'string'
      ? { sha256, phash: String(phash ?? ''), width: Number(width ?? 0), height: Number(height ?? 0), format: String(format ?? '') }
      : undefined;
  return { id, ...(image ? { image } : {}), metadata: rest as Metadata };
}

export class VectorizeVectorIndex implements VectorIndex {
  constructor(
    private readonly binding: VectorizeBinding,
    private readonly collection: string,
  ) {}

  async upsert(items: IndexItem[]): Promise<void> {
    const namespace = await namespaceOf(this.collection);
    const vectors: VectorizeVector[] = [];
    for (const item of items) {
      vectors.push({ id: await vectorId(this.collection, item.id), namespace, values: item.vector, metadata: toVectorizeMetadata(item) });
    }
    for (let i = 0; i < vectors.length; i += VECTORIZE_MAX_UPSERT) await this.binding.upsert(vectors.slice(i, i + VECTORIZE_MAX_UPSERT));
  }

  async delete(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.binding.deleteByIds(await Promise.all(ids.map((id) => vectorId(this.collection, id))));
  }

  async get(ids: string[], options: { vectors?: boolean } = {}): Promise<StoredItem[]> {
    if (ids.length === 0) return [];
    const found = await this.binding.getByIds(await Promise.all(ids.map((id) => vectorId(this.collection, id))));
    const items: StoredItem[] = [];
    for (const vector of found) {
      const record = fromVectorizeMetadata(vector.metadata);
      if (!record) continue;
      items.push({ ...record, ...(options.vectors ? { vector: Float32Array.from(vector.values) } : {}) });
    }
    return items;
  }

  async query(vector: Float32Array, topK: number, filter?: Metadata): Promise<IndexMatch[]> {
    const namespace = await namespaceOf(this.collection);
    const base = { topK, namespace, returnValues: false, ...(filter ? { filter } : {}) };
    if (topK <= VECTORIZE_MAX_TOPK_WITH_METADATA) {
      const { matches } = await this.binding.query(vector, { ...base, returnMetadata: 'all' });
      return matches.flatMap((match) => {
        const record = fromVectorizeMetadata(match.metadata);
        return record ? [{ ...record, score: match.score }] : [];
      });
    }
    // Over 20 results Vectorize returns ids and scores only; the metadata
    // comes from one getByIds for those ids.
    const { matches } = await this.binding.query(vector, { ...base, topK: Math.min(topK, VECTORIZE_MAX_TOPK), returnMetadata: 'none' });
    if (matches.length === 0) return [];
    const stored = new Map((await this.binding.getByIds(matches.map((m) => m.id))).map((v) => [v.id, fromVectorizeMetadata(v.metadata)]));
    return matches.flatMap((match) => {
      const record = stored.get(match.id);
      return record ? [{ ...record, score: match.score }] : [];
    });
  }
}
