/**
 * Migration 4: the cross-thread Store (long-term memory). `:schema` is replaced by the quoted
 * schema name. Append-only.
 *
 * Items are keyed by (namespace, key); `namespace` is the labels joined by ".". The full-text
 * vector is a generated column over `indexed_text` (null for `index: false` items) with the
 * `simple` configuration (no stemming, no stop words), matching the SQLite and memory stores'
 * tokens. Vectors are `real[]` so the schema does not depend on pgvector; when the extension
 * is installed the store casts them to `vector` at query time. Times are bigint milliseconds
 * from the store's clock; `value` is JSON text (jsonb would reorder keys and refuse "\\u0000").
 */
export default `
CREATE TABLE :schema.conclave_store_items (
  namespace text NOT NULL,
  key text NOT NULL,
  value text NOT NULL,
  indexed_text text,
  search_vector tsvector GENERATED ALWAYS AS
    (to_tsvector('simple'::regconfig, coalesce(indexed_text, ''))) STORED,
  embedding real[],
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  expires_at bigint,
  PRIMARY KEY (namespace, key)
);

CREATE INDEX conclave_store_items_search ON :schema.conclave_store_items USING gin (search_vector);

CREATE INDEX conclave_store_items_expiry ON :schema.conclave_store_items (expires_at)
  WHERE expires_at IS NOT NULL;
`;
