import { ApiError } from '../errors/api-error.ts';
import { Catalog } from './catalog.ts';
import { D1VectorIndex } from './d1-index.ts';
import type { VectorIndex } from './vector-index.ts';
import { VectorizeVectorIndex, type VectorizeBinding } from './vectorize-index.ts';

/**
 * Picks the search engine from the `SEARCH_ENGINE` var: `d1` (default: exact
 * scan in D1, runs locally with no account) or `vectorize` (Cloudflare
 * Vectorize, for large collections). The collection catalog is in D1 either
 * way.
 */
export type EngineName = 'd1' | 'vectorize';

/**
 * The bindings search uses, all optional: a deployment without search has
 * none of them and answers 503 on these routes only, not at startup.
 */
export interface SearchBindings {
  SEARCH_DB?: D1Database;
  VECTORS?: VectorizeBinding;
  SEARCH_ENGINE?: string;
}

export interface Search {
  engine: EngineName;
  catalog: Catalog;
  index(collection: string): VectorIndex;
}

export function openSearch(env: SearchBindings): Search {
  const engine = (env.SEARCH_ENGINE || 'd1') as EngineName;
  if (engine !== 'd1' && engine !== 'vectorize') {
    throw new ApiError(500, 'internal_error', 'Server misconfigured: SEARCH_ENGINE must be "d1" or "vectorize".');
  }
  const db = env.SEARCH_DB;
  if (!db) {
    throw new ApiError(503, 'backend_unavailable', 'Search is not configured on this deployment: it needs the D1 binding SEARCH_DB (see wrangler.toml).');
  }
  const catalog = new Catalog(db);
  if (engine === 'd1') return { engine, catalog, index: (collection) => new D1VectorIndex(db, collection) };
  const vectors = env.VECTORS;
  if (!vectors) {
    throw new ApiError(503, 'backend_unavailable', 'SEARCH_ENGINE is "vectorize" but the Vectorize binding VECTORS is missing (see wrangler.toml).');
  }
  return { engine, catalog, index: (collection) => new VectorizeVectorIndex(vectors, collection) };
}
