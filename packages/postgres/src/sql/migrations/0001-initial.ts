/**
 * Migration 1: checkpoints, pending writes, per-thread head records. `:schema` is replaced by
 * the quoted schema name. Append-only: never edit a released migration; add the next number.
 *
 * Unlike SQLite, the head record is updated by the `put` statement itself (a data-modifying
 * CTE), so no trigger is needed and a row inserted by hand does not update the head.
 */
export default `
CREATE TABLE :schema.conclave_checkpoints (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  thread_id text NOT NULL,
  ns text NOT NULL,
  id text NOT NULL,
  parent_id text,
  ts text NOT NULL,
  payload text NOT NULL,
  hash text NOT NULL,
  prev_hash text,
  snapshot text,
  since_bytes bigint NOT NULL,
  since_count bigint NOT NULL,
  snap_bytes bigint NOT NULL,
  UNIQUE (thread_id, ns, id)
);

CREATE TABLE :schema.conclave_writes (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  thread_id text NOT NULL,
  ns text NOT NULL,
  checkpoint_id text NOT NULL,
  task_id text NOT NULL,
  idx integer NOT NULL,
  channel text NOT NULL,
  value text NOT NULL,
  UNIQUE (thread_id, ns, checkpoint_id, task_id, idx)
);

CREATE TABLE :schema.conclave_heads (
  thread_id text PRIMARY KEY,
  head_ns text NOT NULL,
  head_id text NOT NULL,
  head_hash text NOT NULL,
  row_count bigint NOT NULL,
  anchors text
);
`;
