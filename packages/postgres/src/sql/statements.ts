/**
 * Every SQL statement the PostgreSQL saver runs (besides migrations), for one schema. Column
 * aliases match core's row types; bigint columns are cast to float8 so they arrive as numbers
 * (exact up to 2^53).
 */
import { batchStatement } from "./batch-statements.ts";

const ROW_COLUMNS = `seq::float8 AS seq, thread_id AS "threadId", ns, id, parent_id AS "parentId",
  ts, payload, hash, prev_hash AS "prevHash", snapshot, since_bytes::float8 AS "sinceBytes",
  since_count::float8 AS "sinceCount", snap_bytes::float8 AS "snapBytes"`;

/** The statements for schema `s` (already quoted). */
export function statements(s: string) {
  const cp = `${s}.conclave_checkpoints`;
  const wr = `${s}.conclave_writes`;
  const hd = `${s}.conclave_heads`;
  return {
    // One statement, so one round trip and one transaction: insert, then move the head.
    // The final SELECT sees the table as it was before this statement, so it finds a hash
    // only when the row already existed (the insert did nothing).
    insert: `WITH ins AS (
        INSERT INTO ${cp} (thread_id, ns, id, parent_id, ts, payload, hash, prev_hash, snapshot,
          since_bytes, since_count, snap_bytes)
        VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9, $10, $11)
        ON CONFLICT (thread_id, ns, id) DO NOTHING
        RETURNING thread_id, ns, id, hash
      ), head AS (
        INSERT INTO ${hd} (thread_id, head_ns, head_id, head_hash, row_count)
        SELECT thread_id, ns, id, hash, 1 FROM ins
        ON CONFLICT (thread_id) DO UPDATE SET head_ns = excluded.head_ns,
          head_id = excluded.head_id, head_hash = excluded.head_hash,
          row_count = ${hd}.row_count + 1
        RETURNING 1
      )
      SELECT (SELECT hash FROM ${cp} WHERE thread_id = $1 AND ns = $2 AND id = $3) AS existing,
        (SELECT count(*) FROM head)::int AS moved`,
    link: `SELECT hash, since_bytes::float8 AS "sinceBytes", since_count::float8 AS "sinceCount",
        snap_bytes::float8 AS "snapBytes"
      FROM ${cp} WHERE thread_id = $1 AND ns = $2 AND id = $3`,
    latestId: `SELECT id FROM ${cp} WHERE thread_id = $1 AND ns = $2 ORDER BY id DESC LIMIT 1`,
    // Follows parent links (forks make a tree) and stops at the first row with a snapshot.
    chain: `WITH RECURSIVE chain (n, ns, id, parent_id, payload, hash, snapshot) AS (
        SELECT 0, ns, id, parent_id, payload, hash, snapshot FROM ${cp}
        WHERE thread_id = $1 AND ns = $2 AND id = $3
        UNION ALL
        SELECT chain.n + 1, c.ns, c.id, c.parent_id, c.payload, c.hash, c.snapshot
        FROM chain JOIN ${cp} c ON c.thread_id = $1 AND c.ns = chain.ns AND c.id = chain.parent_id
        WHERE chain.snapshot IS NULL
      )
      SELECT ns, id, parent_id AS "parentId", payload, hash, snapshot FROM chain ORDER BY n`,
    // $2..$4 are NULL when unused; $5/$6 is the keyset cursor of the previous page.
    list: `SELECT ns, id, parent_id AS "parentId", payload, hash, NULL::text AS snapshot
      FROM ${cp}
      WHERE thread_id = $1 AND ($2::text IS NULL OR ns = $2) AND ($3::text IS NULL OR id = $3)
        AND ($4::text IS NULL OR id < $4)
        AND ($5::text IS NULL OR id < $5 OR (id = $5 AND ns > $6))
      ORDER BY id DESC, ns ASC LIMIT $7`,
    writes: `SELECT task_id AS "taskId", channel, value FROM ${wr}
      WHERE thread_id = $1 AND ns = $2 AND checkpoint_id = $3 ORDER BY seq`,
    // Special channels (negative idx) overwrite in place, keeping their seq and so their
    // order; regular writes keep the first value.
    putWrites: `INSERT INTO ${wr} AS w (thread_id, ns, checkpoint_id, task_id, idx, channel, value)
      SELECT $1, $2, $3, t.task_id, t.idx, t.channel, t.value
      FROM unnest($4::text[], $5::int[], $6::text[], $7::text[]) WITH ORDINALITY
        AS t (task_id, idx, channel, value, n)
      ORDER BY t.n
      ON CONFLICT (thread_id, ns, checkpoint_id, task_id, idx) DO UPDATE SET
        channel = CASE WHEN excluded.idx < 0 THEN excluded.channel ELSE w.channel END,
        value = CASE WHEN excluded.idx < 0 THEN excluded.value ELSE w.value END`,
    deleteThread: `WITH a AS (DELETE FROM ${cp} WHERE thread_id = $1),
        b AS (DELETE FROM ${wr} WHERE thread_id = $1)
      DELETE FROM ${hd} WHERE thread_id = $1`,
    threadRows: `SELECT ${ROW_COLUMNS} FROM ${cp} WHERE thread_id = $1`,
    head: `SELECT thread_id AS "threadId", head_ns AS "headNs", head_id AS "headId",
        head_hash AS "headHash", row_count::float8 AS "rowCount", anchors
      FROM ${hd} WHERE thread_id = $1`,
    lockHead: `SELECT 1 FROM ${hd} WHERE thread_id = $1 FOR UPDATE`,
    deleteRows: `WITH gone AS (
        DELETE FROM ${cp} c USING unnest($2::text[], $3::text[]) AS d (ns, id)
        WHERE c.thread_id = $1 AND c.ns = d.ns AND c.id = d.id RETURNING c.ns, c.id
      )
      DELETE FROM ${wr} w USING gone
      WHERE w.thread_id = $1 AND w.ns = gone.ns AND w.checkpoint_id = gone.id`,
    makeAnchor: `UPDATE ${cp} SET snapshot = $4, prev_hash = $5, since_bytes = 0, since_count = 0,
        snap_bytes = $6
      WHERE thread_id = $1 AND ns = $2 AND id = $3`,
    updateHead: `UPDATE ${hd} SET row_count = $2, anchors = $3 WHERE thread_id = $1`,
    threads: `SELECT thread_id AS "threadId" FROM ${hd}
      UNION SELECT thread_id FROM ${cp} ORDER BY 1`,
    stats: `SELECT
        (SELECT count(*) FROM ${cp} WHERE $1::text IS NULL OR thread_id = $1)::float8 AS checkpoints,
        (SELECT count(*) FROM ${wr} WHERE $1::text IS NULL OR thread_id = $1)::float8 AS writes,
        ((SELECT coalesce(sum(octet_length(payload) + coalesce(octet_length(snapshot), 0)), 0)
            FROM ${cp} WHERE $1::text IS NULL OR thread_id = $1)
          + (SELECT coalesce(sum(octet_length(value)), 0)
            FROM ${wr} WHERE $1::text IS NULL OR thread_id = $1))::float8 AS bytes`,
    insertBatch: batchStatement(s),
  };
}

/** The statements of one schema. */
export type Statements = ReturnType<typeof statements>;
