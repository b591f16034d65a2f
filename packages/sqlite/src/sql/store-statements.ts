/**
 * The SQL of the SQLite Store. Named parameters: `@prefix`/`@under` from core's
 * `prefixParams` (prefix "" means every namespace), `@now` in clock milliseconds. Filters,
 * hybrid scoring and paging of filtered results happen in core's `rankCandidates`.
 */

const COLUMNS = `i.id, i.namespace, i.key, i.value, i.created_at AS createdAt,
  i.updated_at AS updatedAt`;
const LIVE = "(i.expires_at IS NULL OR i.expires_at > @now)";
const UNDER = `(@prefix = '' OR i.namespace = @prefix
  OR substr(i.namespace, 1, length(@under)) = @under)`;

/** The store statements, by name; prepared once each. */
export const STORE_SQL = {
  get: `SELECT ${COLUMNS} FROM conclave_store_items i
    WHERE i.namespace = @namespace AND i.key = @key AND ${LIVE}`,
  /** A put over an expired item starts a new item, so it takes the new createdAt. */
  upsert: `INSERT INTO conclave_store_items
      (namespace, key, value, indexed_text, embedding, created_at, updated_at, expires_at)
    VALUES (@namespace, @key, @value, @text, @embedding, @now, @now, @expiresAt)
    ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value,
      indexed_text = excluded.indexed_text, embedding = excluded.embedding,
      created_at = CASE WHEN conclave_store_items.expires_at IS NOT NULL
        AND conclave_store_items.expires_at <= excluded.updated_at
        THEN excluded.created_at ELSE conclave_store_items.created_at END,
      updated_at = excluded.updated_at, expires_at = excluded.expires_at`,
  delete: "DELETE FROM conclave_store_items WHERE namespace = @namespace AND key = @key",
  /** Newest first, paged in SQL: used when there is neither query nor filter. */
  page: `SELECT ${COLUMNS} FROM conclave_store_items i WHERE ${UNDER} AND ${LIVE}
    ORDER BY i.updated_at DESC, i.namespace, i.key LIMIT @limit OFFSET @offset`,
  under: `SELECT ${COLUMNS} FROM conclave_store_items i WHERE ${UNDER} AND ${LIVE}`,
  /** Indexed items with their vectors: the candidates of a hybrid search. */
  indexedUnder: `SELECT ${COLUMNS}, i.embedding FROM conclave_store_items i
    WHERE i.indexed_text IS NOT NULL AND ${UNDER} AND ${LIVE}`,
  /** Full-text matches; FTS5's bm25() is lower-is-better, so it is negated. */
  text: `SELECT ${COLUMNS}, -bm25(conclave_store_fts) AS textScore
    FROM conclave_store_fts JOIN conclave_store_items i ON i.id = conclave_store_fts.rowid
    WHERE conclave_store_fts MATCH @match AND ${UNDER} AND ${LIVE}`,
  namespaces: `SELECT DISTINCT i.namespace FROM conclave_store_items i WHERE ${LIVE}`,
  sweep: "DELETE FROM conclave_store_items WHERE expires_at IS NOT NULL AND expires_at <= @now",
} as const;
