/**
 * Migration 4: the cross-thread Store (long-term memory). Append-only.
 *
 * Items are keyed by (namespace, key); `namespace` is the labels joined by ".". The FTS5 table
 * is an external-content index over `indexed_text` (null for `index: false` items), kept in
 * step by triggers, so the text is stored once. `id` is an explicit INTEGER PRIMARY KEY because
 * an implicit rowid may change on VACUUM and would desynchronize the index. Times are integer
 * milliseconds from the store's clock; `expires_at` is null for items without a TTL.
 * `remove_diacritics 0` keeps "café" and "cafe" distinct, as the memory and PostgreSQL stores do.
 */
export default `
CREATE TABLE conclave_store_items (
  id INTEGER PRIMARY KEY,
  namespace TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  indexed_text TEXT,
  embedding BLOB,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  expires_at INTEGER,
  UNIQUE (namespace, key)
);

CREATE INDEX conclave_store_items_expiry ON conclave_store_items (expires_at)
  WHERE expires_at IS NOT NULL;

CREATE VIRTUAL TABLE conclave_store_fts USING fts5(
  indexed_text,
  content = 'conclave_store_items',
  content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 0'
);

CREATE TRIGGER conclave_store_fts_insert AFTER INSERT ON conclave_store_items
WHEN new.indexed_text IS NOT NULL BEGIN
  INSERT INTO conclave_store_fts (rowid, indexed_text) VALUES (new.id, new.indexed_text);
END;

CREATE TRIGGER conclave_store_fts_delete AFTER DELETE ON conclave_store_items
WHEN old.indexed_text IS NOT NULL BEGIN
  INSERT INTO conclave_store_fts (conclave_store_fts, rowid, indexed_text)
    VALUES ('delete', old.id, old.indexed_text);
END;

CREATE TRIGGER conclave_store_fts_update AFTER UPDATE OF indexed_text ON conclave_store_items
BEGIN
  INSERT INTO conclave_store_fts (conclave_store_fts, rowid, indexed_text)
    SELECT 'delete', old.id, old.indexed_text WHERE old.indexed_text IS NOT NULL;
  INSERT INTO conclave_store_fts (rowid, indexed_text)
    SELECT new.id, new.indexed_text WHERE new.indexed_text IS NOT NULL;
END;
`;
