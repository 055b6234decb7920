import { withD1 } from './d1-errors.ts';

/**
 * The collections and the embedding model each was built with, in D1 for
 * both engines: one small row per collection, read on every request and
 * written once, where a strongly consistent store matters (two first inserts
 * racing must agree on one model) and Vectorize has no place for it.
 */
export interface Collection {
  name: string;
  /** `<model id>@<version>`: embeddings of different models or versions are not comparable. */
  model: string;
  dim: number;
  created_at: string;
}

export class Catalog {
  constructor(private readonly db: D1Database) {}

  get(name: string): Promise<Collection | undefined> {
    return withD1(async () => {
      const row = await this.db.prepare('SELECT name, model, dim, created_at FROM collections WHERE name = ?').bind(name).first<Collection>();
      return row ?? undefined;
    });
  }

  /**
   * Creates the collection with this model unless it exists, and returns
   * what is stored: when two first inserts race, both get the winner's row
   * and the loser sees a model mismatch, never a silent mix.
   */
  claim(name: string, model: string, dim: number): Promise<Collection> {
    return withD1(async () => {
      const [, read] = await this.db.batch<Collection>([
        this.db.prepare('INSERT INTO collections (name, model, dim) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING').bind(name, model, dim),
        this.db.prepare('SELECT name, model, dim, created_at FROM collections WHERE name = ?').bind(name),
      ]);
      return read!.results[0]!;
    });
  }
}
