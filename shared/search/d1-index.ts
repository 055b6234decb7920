import { withD1 } from './d1-errors.ts';
import type { Metadata } from './metadata.ts';
import type { IndexItem, IndexMatch, StoredItem, VectorIndex } from './vector-index.ts';
import { dot, TopK, vectorFromBase64, vectorToBase64 } from './vector.ts';

/**
 * The embedded engine: items in D1 (SQLite), vectors as float32 bytes
 * (base64, see vector.ts), and an exact cosine scan in the Worker. Exact
 * means no recall loss and no index to build or tune; the price is a full
 * pass over the collection (or over the rows its filter keeps) per query,
 * ~30 µs an item locally (bench/search.mjs; the README says when to switch
 * to Vectorize).
 */

/**
 * Rows per page of the scan: ~7 KB of base64 each for 1280-d, so a page is
 * ~7 MB of text, and two pages (one scored, one in flight) stay well inside
 * an isolate's 128 MB.
 */
const PAGE_ROWS = 1000;

const NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

interface ItemRow {
  id: string;
  sha256: string | null;
  phash: string | null;
  width: number | null;
  height: number | null;
  format: string | null;
  metadata: string;
  vector?: string;
}

function toStored(row: ItemRow): StoredItem {
  return {
    id: row.id,
    ...(row.vector !== undefined ? { vector: vectorFromBase64(row.vector) } : {}),
    ...(row.sha256 !== null
      ? { image: { sha256: row.sha256, phash: row.phash ?? '', width: row.width ?? 0, height: row.height ?? 0, format: row.format ?? '' } }
      : {}),
    metadata: JSON.parse(row.metadata) as Metadata,
  };
}

/**
 * Exact-match conditions on top-level metadata keys, in SQL so that rows
 * that cannot match are never sent to the Worker. json_type keeps types
 * apart (the string "1", the number 1 and true are different values, as
 * they are in Vectorize). Keys are checked against METADATA_KEY, so the
 * quoted JSON path cannot be escaped out of; it is bound anyway.
 */
function filterSql(filter: Metadata | undefined, firstParam: number): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  let n = firstParam;
  for (const [key, value] of Object.entries(filter ?? {})) {
    const path = `$."${key}"`;
    if (typeof value === 'boolean') {
      clauses.push(`json_type(metadata, ?${n}) = ?${n + 1}`);
      params.push(path, value ? 'true' : 'false');
      n += 2;
    } else if (typeof value === 'number') {
      clauses.push(`json_type(metadata, ?${n}) IN ('integer', 'real') AND json_extract(metadata, ?${n}) = ?${n + 1}`);
      params.push(path, value);
      n += 2;
    } else {
      clauses.push(`json_type(metadata, ?${n}) = 'text' AND json_extract(metadata, ?${n}) = ?${n + 1}`);
      params.push(path, value);
      n += 2;
    }
  }
  return { sql: clauses.map((c) => ` AND ${c}`).join(''), params };
}

export class D1VectorIndex implements VectorIndex {
  constructor(
    private readonly db: D1Database,
    private readonly collection: string,
  ) {}

  async upsert(items: IndexItem[]): Promise<void> {
    if (items.length === 0) return;
    const statement = this.db.prepare(
      `INSERT INTO items (collection, id, sha256, phash, width, height, format, metadata, updated_at, vector)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ${NOW}, ?9)
       ON CONFLICT (collection, id) DO UPDATE SET
         vector = excluded.vector, sha256 = excluded.sha256, phash = excluded.phash, width = excluded.width,
         height = excluded.height, format = excluded.format, metadata = excluded.metadata, updated_at = excluded.updated_at`,
    );
    // One batch is one transaction: a batch insert lands whole or not at all.
    await withD1(() =>
      this.db.batch(
        items.map((item) =>
          statement.bind(
            this.collection,
            item.id,
            item.image?.sha256 ?? null,
            item.image?.phash ?? null,
            item.image?.width ?? null,
            item.image?.height ?? null,
            item.image?.format ?? null,
            JSON.stringify(item.metadata),
            vectorToBase64(item.vector),
          ),
        ),
      ),
    );
  }

  async delete(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await withD1(() =>
      this.db
        .prepare('DELETE FROM items WHERE collection = ?1 AND id IN (SELECT value FROM json_each(?2))')
        .bind(this.collection, JSON.stringify(ids))
        .run(),
    );
  }

  async get(ids: string[], options: { vectors?: boolean } = {}): Promise<StoredItem[]> {
    if (ids.length === 0) return [];
    // json_each takes any number of ids in one bound parameter (D1 allows 100 parameters a statement).
    const { results } = await withD1(() =>
      this.db
        .prepare(
          `SELECT id, sha256, phash, width, height, format, metadata${options.vectors ? ', vector' : ''}
           FROM items WHERE collection = ?1 AND id IN (SELECT value FROM json_each(?2))`,
        )
        .bind(this.collection, JSON.stringify(ids))
        .all<ItemRow>(),
    );
    return results.map(toStored);
  }

  async query(vector: Float32Array, topK: number, filter?: Metadata): Promise<IndexMatch[]> {
    const where = filterSql(filter, 4);
    const page = this.db.prepare(
      `SELECT id, vector FROM items WHERE collection = ?1 AND id > ?2${where.sql} ORDER BY id LIMIT ?3`,
    );
    const fetchPage = (after: string) => withD1(() => page.bind(this.collection, after, PAGE_ROWS, ...where.params).raw<[string, string]>());

    const best = new TopK<string>(topK);
    // Keyset pagination on the primary key, one page always in flight while
    // the previous one is scored, so D1's transfer and the Worker's
    // arithmetic overlap instead of adding up.
    let pending: Promise<Array<[string, string]>> | undefined = fetchPage('');
    while (pending) {
      const rows: Array<[string, string]> = await pending;
      pending = rows.length === PAGE_ROWS ? fetchPage(rows[rows.length - 1]![0]) : undefined;
      for (const [id, encoded] of rows) {
        const candidate = vectorFromBase64(encoded);
        // The catalog fixes one dimension per collection; a stray row of another is skipped, not misread.
        if (candidate.length === vector.length) best.push(dot(vector, candidate), id);
      }
    }
    if (best.items.length === 0) return [];

    const stored = new Map((await this.get(best.items.map((m) => m.value))).map((item) => [item.id, item]));
    const matches: IndexMatch[] = [];
    for (const { score, value: id } of best.items) {
      const item = stored.get(id);
      // Deleted between the scan and this read: leave it out.
      if (item) matches.push({ id, score, ...(item.image ? { image: item.image } : {}), metadata: item.metadata });
    }
    return matches;
  }
}
