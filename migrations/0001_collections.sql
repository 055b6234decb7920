-- Collections for /v1/collections (image search and duplicates).
-- Apply locally with `npx wrangler d1 migrations apply SEARCH_DB --local`,
-- in production with `--remote`. Tests apply this file themselves.

-- One row per collection. The embedding model (`<id>@<version>`) and its
-- dimension are fixed at the first insert: vectors of different models are
-- not comparable, so a collection never mixes them. Used by both engines.
CREATE TABLE collections (
  name       TEXT PRIMARY KEY,
  model      TEXT NOT NULL,
  dim        INTEGER NOT NULL CHECK (dim > 0),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- One row per indexed item, used when SEARCH_ENGINE = "d1" (Vectorize keeps
-- its own copy otherwise). `metadata` is the caller's flat JSON object
-- (<= 1 KB). The image columns are NULL for items inserted as bare vectors
-- (items:batch). `vector` is the L2-normalised embedding as its little-endian
-- float32 bytes (dim * 4), base64-encoded: D1 returns BLOBs to a Worker as
-- arrays of numbers, and base64 text crosses and decodes fastest (see
-- shared/search/vector.ts). Cosine similarity is then a dot product.
-- `vector` is the last column on purpose: SQLite keeps the first columns of
-- a row in its b-tree page and spills the rest to overflow pages, so a
-- metadata filter reads ~1 KB a row, not the 7 KB vector.
CREATE TABLE items (
  collection TEXT NOT NULL,
  id         TEXT NOT NULL,
  sha256     TEXT,
  phash      TEXT,
  width      INTEGER,
  height     INTEGER,
  format     TEXT,
  metadata   TEXT NOT NULL DEFAULT '{}',
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  vector     TEXT NOT NULL,
  -- Also the index on (collection): a search walks one collection in id order
  -- with keyset pagination (WHERE collection = ? AND id > ?) on this key.
  PRIMARY KEY (collection, id)
);
