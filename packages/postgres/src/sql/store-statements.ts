/**
 * The SQL of the PostgreSQL Store, for one (quoted) schema. Every read takes `$1` prefix and
 * `$2` under (core's `prefixParams`; prefix '' means every namespace) and `$3` now (clock ms).
 * Times come back as float8 so node-postgres returns numbers, not bigint strings. Filters,
 * hybrid scoring and paging of filtered results happen in core's `rankCandidates`.
 */

const COLUMNS = `namespace, key, value, created_at::float8 AS "createdAt",
  updated_at::float8 AS "updatedAt"`;
const WHERE = `($1 = '' OR namespace = $1 OR starts_with(namespace, $2))
  AND (expires_at IS NULL OR expires_at > $3)`;

/** The store statements for schema `s` (already quoted). */
export function storeStatements(s: string) {
  const items = `${s}.conclave_store_items`;
  return {
    /** $1 namespace, $2 key, $3 now. */
    get: `SELECT ${COLUMNS} FROM ${items} WHERE namespace = $1 AND key = $2
      AND (expires_at IS NULL OR expires_at > $3)`,
    /** $1 ns, $2 key, $3 value, $4 text, $5 embedding, $6 now, $7 expiresAt. */
    upsert: `INSERT INTO ${items} AS t
        (namespace, key, value, indexed_text, embedding, created_at, updated_at, expires_at)
      VALUES ($1, $2, $3, $4, $5::real[], $6, $6, $7)
      ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value,
        indexed_text = excluded.indexed_text, embedding = excluded.embedding,
        created_at = CASE WHEN t.expires_at IS NOT NULL AND t.expires_at <= excluded.updated_at
          THEN excluded.created_at ELSE t.created_at END,
        updated_at = excluded.updated_at, expires_at = excluded.expires_at`,
    delete: `DELETE FROM ${items} WHERE namespace = $1 AND key = $2`,
    /** Newest first, paged in SQL ($4 limit, $5 offset): no query and no filter. */
    page: `SELECT ${COLUMNS} FROM ${items} WHERE ${WHERE}
      ORDER BY updated_at DESC, namespace COLLATE "C", key COLLATE "C" LIMIT $4 OFFSET $5`,
    under: `SELECT ${COLUMNS} FROM ${items} WHERE ${WHERE}`,
    /** Full-text matches of $4 (websearch syntax; the store passes "a or b"). */
    text: `SELECT ${COLUMNS}, ts_rank(search_vector, q) AS "textScore"
      FROM ${items}, websearch_to_tsquery('simple', $4) AS q
      WHERE search_vector @@ q AND ${WHERE}`,
    /** Indexed items with their vectors, for cosine in JS. */
    indexedUnder: `SELECT ${COLUMNS}, embedding FROM ${items}
      WHERE indexed_text IS NOT NULL AND ${WHERE}`,
    /** Indexed items with pgvector's cosine similarity to $4 ('[x,y,...]'). */
    indexedSimilar: `SELECT ${COLUMNS},
        1 - (embedding::vector <=> $4::vector) AS similarity FROM ${items}
      WHERE indexed_text IS NOT NULL AND ${WHERE}`,
    /** $1 now. */
    namespaces: `SELECT DISTINCT namespace FROM ${items}
      WHERE expires_at IS NULL OR expires_at > $1`,
    sweep: `DELETE FROM ${items} WHERE expires_at IS NOT NULL AND expires_at <= $1`,
    vectorAvailable: "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'",
    createVector: "CREATE EXTENSION IF NOT EXISTS vector",
  };
}

/** The statements' type. */
export type StoreStatements = ReturnType<typeof storeStatements>;
