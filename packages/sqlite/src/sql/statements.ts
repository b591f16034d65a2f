/**
 * Every SQL statement the SQLite saver runs (besides migrations). Column aliases match the
 * field names of core's row types, so rows need no mapping.
 */

/** Row columns as core's `CheckpointRow` names them. */
const ROW_COLUMNS = `seq, thread_id AS threadId, ns, id, parent_id AS parentId, ts, payload, hash,
  prev_hash AS prevHash, snapshot, since_bytes AS sinceBytes, since_count AS sinceCount,
  snap_bytes AS snapBytes`;

/** The fixed statements, by name; prepared once each by `SqliteRowStore`. */
export const SQL = {
  migrationsTable: `CREATE TABLE IF NOT EXISTS conclave_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`,
  appliedVersion: "SELECT coalesce(max(version), 0) AS version FROM conclave_migrations",
  recordMigration: "INSERT INTO conclave_migrations (version, name, applied_at) VALUES (?, ?, ?)",

  insert: `INSERT INTO conclave_checkpoints (thread_id, ns, id, parent_id, ts, payload, hash,
      prev_hash, snapshot, since_bytes, since_count, snap_bytes)
    VALUES (@threadId, @ns, @id, @parentId, @ts, @payload, @hash, @prevHash, @snapshot,
      @sinceBytes, @sinceCount, @snapBytes)
    ON CONFLICT (thread_id, ns, id) DO NOTHING`,
  existingHash: "SELECT hash FROM conclave_checkpoints WHERE thread_id = ? AND ns = ? AND id = ?",
  link: `SELECT hash, since_bytes AS sinceBytes, since_count AS sinceCount, snap_bytes AS snapBytes
    FROM conclave_checkpoints WHERE thread_id = ? AND ns = ? AND id = ?`,
  latestId: `SELECT id FROM conclave_checkpoints WHERE thread_id = ? AND ns = ?
    ORDER BY id DESC LIMIT 1`,
  // Follows parent links (forks make a tree) and stops at the first row with a snapshot.
  chain: `WITH RECURSIVE chain (n, ns, id, parent_id, payload, hash, snapshot) AS (
      SELECT 0, ns, id, parent_id, payload, hash, snapshot FROM conclave_checkpoints
      WHERE thread_id = @threadId AND ns = @ns AND id = @id
      UNION ALL
      SELECT chain.n + 1, c.ns, c.id, c.parent_id, c.payload, c.hash, c.snapshot
      FROM chain JOIN conclave_checkpoints c
        ON c.thread_id = @threadId AND c.ns = chain.ns AND c.id = chain.parent_id
      WHERE chain.snapshot IS NULL
    )
    SELECT ns, id, parent_id AS parentId, payload, hash, snapshot FROM chain ORDER BY n`,
  writes: `SELECT task_id AS taskId, channel, value FROM conclave_writes
    WHERE thread_id = ? AND ns = ? AND checkpoint_id = ? ORDER BY seq`,
  // Special channels overwrite in place (the rowid, and so the order, stays); others keep the first.
  putSpecialWrite: `INSERT INTO conclave_writes
      (thread_id, ns, checkpoint_id, task_id, idx, channel, value)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (thread_id, ns, checkpoint_id, task_id, idx)
    DO UPDATE SET channel = excluded.channel, value = excluded.value`,
  putWrite: `INSERT INTO conclave_writes
      (thread_id, ns, checkpoint_id, task_id, idx, channel, value)
    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  deleteCheckpoints: "DELETE FROM conclave_checkpoints WHERE thread_id = ?",
  deleteWrites: "DELETE FROM conclave_writes WHERE thread_id = ?",
  deleteHead: "DELETE FROM conclave_heads WHERE thread_id = ?",
  threadRows: `SELECT ${ROW_COLUMNS} FROM conclave_checkpoints WHERE thread_id = ?`,
  head: `SELECT thread_id AS threadId, head_ns AS headNs, head_id AS headId,
    head_hash AS headHash, row_count AS rowCount, anchors FROM conclave_heads WHERE thread_id = ?`,
  deleteRow: "DELETE FROM conclave_checkpoints WHERE thread_id = ? AND ns = ? AND id = ?",
  deleteRowWrites:
    "DELETE FROM conclave_writes WHERE thread_id = ? AND ns = ? AND checkpoint_id = ?",
  makeAnchor: `UPDATE conclave_checkpoints SET snapshot = @snapshot, prev_hash = @prevHash,
      since_bytes = 0, since_count = 0, snap_bytes = @snapBytes
    WHERE thread_id = @threadId AND ns = @ns AND id = @id`,
  updateHead: `UPDATE conclave_heads SET row_count = @rowCount, anchors = @anchors
    WHERE thread_id = @threadId`,
  threads: `SELECT thread_id AS threadId FROM conclave_heads
    UNION SELECT thread_id FROM conclave_checkpoints ORDER BY 1`,
  checkpointStats: `SELECT count(*) AS n, coalesce(sum(length(CAST(payload AS BLOB))
      + coalesce(length(CAST(snapshot AS BLOB)), 0)), 0) AS bytes
    FROM conclave_checkpoints WHERE @threadId IS NULL OR thread_id = @threadId`,
  writeStats: `SELECT count(*) AS n, coalesce(sum(length(CAST(value AS BLOB))), 0) AS bytes
    FROM conclave_writes WHERE @threadId IS NULL OR thread_id = @threadId`,
} as const;

/** Filters `listRows` supports; each combination gets its own cached statement. */
export interface ListShape {
  ns: boolean;
  id: boolean;
  before: boolean;
  cursor: boolean;
}

/** The `list` query for one combination of filters, newest first, one page at a time. */
export function listSql(shape: ListShape): string {
  const where = ["thread_id = @threadId"];
  if (shape.ns) where.push("ns = @ns");
  if (shape.id) where.push("id = @id");
  if (shape.before) where.push("id < @before");
  if (shape.cursor) where.push("(id < @cursorId OR (id = @cursorId AND ns > @cursorNs))");
  return `SELECT ns, id, parent_id AS parentId, payload, hash, NULL AS snapshot
    FROM conclave_checkpoints WHERE ${where.join(" AND ")}
    ORDER BY id DESC, ns ASC LIMIT @pageSize`;
}
