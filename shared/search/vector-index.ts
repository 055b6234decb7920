import type { Metadata } from './metadata.ts';

/**
 * What a search engine stores and answers, for one collection. Two engines
 * implement it: D1 (exact scan, the default and what `npm run dev` and the
 * tests run) and Cloudflare Vectorize (approximate, for large collections).
 * Routes only see this interface, so both answer the same API.
 */

/** What the API knows about an item's image; absent for items inserted as bare vectors. */
export interface ImageFacts {
  sha256: string;
  /** 64-bit DCT perceptual hash, 16 hex digits. */
  phash: string;
  width: number;
  height: number;
  format: string;
}

export interface IndexItem {
  id: string;
  /** L2-normalised, of the collection's dimension. */
  vector: Float32Array;
  image?: ImageFacts;
  metadata: Metadata;
}

export interface StoredItem {
  id: string;
  /** Only when asked for. */
  vector?: Float32Array;
  image?: ImageFacts;
  metadata: Metadata;
}

export interface IndexMatch {
  id: string;
  /** Cosine similarity, -1..1. */
  score: number;
  image?: ImageFacts;
  metadata: Metadata;
}

export interface VectorIndex {
  /** Inserts or replaces items by id. */
  upsert(items: IndexItem[]): Promise<void>;
  delete(ids: string[]): Promise<void>;
  /** The items that exist among `ids`, in no particular order. */
  get(ids: string[], options?: { vectors?: boolean }): Promise<StoredItem[]>;
  /** The `topK` items most similar to `vector` (normalised) whose metadata matches every key of `filter`, best first. */
  query(vector: Float32Array, topK: number, filter?: Metadata): Promise<IndexMatch[]>;
}
