/**
 * Migration 1: checkpoints, pending writes, per-thread head records. Append-only: never edit a
 * released migration; add the next number instead.
 *
 * `put` is one INSERT: the trigger updates the head record inside the same statement (and so
 * the same transaction), which measured ~10% faster than BEGIN; INSERT; UPSERT; COMMIT (45 vs
 * 49-52 µs, packages/sqlite/bench/put.bench.ts). There is
 * deliberately no DELETE trigger: a row deleted outside Conclave must leave the head record
 * disagreeing, so `verify` notices.
 */
export default `
CREATE TABLE conclave_checkpoints (
  seq INTEGER PRIMARY KEY,
  thread_id TEXT NOT NULL,
  ns TEXT NOT NULL,
  id TEXT NOT NULL,
  parent_id TEXT,
  ts TEXT NOT NULL,
  payload TEXT NOT NULL,
  hash TEXT NOT NULL,
  prev_hash TEXT,
  snapshot TEXT,
  since_bytes INTEGER NOT NULL,
  since_count INTEGER NOT NULL,
  snap_bytes INTEGER NOT NULL
);
CREATE UNIQUE INDEX conclave_checkpoints_key ON conclave_checkpoints (thread_id, ns, id);

CREATE TABLE conclave_writes (
  seq INTEGER PRIMARY KEY,
  thread_id TEXT NOT NULL,
  ns TEXT NOT NULL,
  checkpoint_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  idx INTEGER NOT NULL,
  channel TEXT NOT NULL,
  value TEXT NOT NULL
);
CREATE UNIQUE INDEX conclave_writes_key
  ON conclave_writes (thread_id, ns, checkpoint_id, task_id, idx);

CREATE TABLE conclave_heads (
  thread_id TEXT PRIMARY KEY,
  head_ns TEXT NOT NULL,
  head_id TEXT NOT NULL,
  head_hash TEXT NOT NULL,
  row_count INTEGER NOT NULL,
  anchors TEXT
) WITHOUT ROWID;

CREATE TRIGGER conclave_checkpoints_head AFTER INSERT ON conclave_checkpoints
BEGIN
  INSERT INTO conclave_heads (thread_id, head_ns, head_id, head_hash, row_count)
  VALUES (NEW.thread_id, NEW.ns, NEW.id, NEW.hash, 1)
  ON CONFLICT (thread_id) DO UPDATE SET
    head_ns = excluded.head_ns,
    head_id = excluded.head_id,
    head_hash = excluded.head_hash,
    row_count = row_count + 1;
END;
`;
