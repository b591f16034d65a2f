/**
 * The fenced twins of the checkpoint saver's `insert` and `putWrites` statements (see
 * `statements.ts`), for the platform store's fenced saver. Each first share-locks the run row,
 * if and only if it is still running under the writer's claim, and writes only then, all in one
 * statement: a sweep or claim that would take the run over either committed first (the lock
 * finds no such row, nothing is written, `held` is false) or waits for this write to commit.
 *
 * They keep the saver's semantics exactly (the head record moves with each insert; special
 * channels overwrite, others keep the first value); the checkpoint saver contract suite runs
 * against the fenced saver to hold them to it. Parameters: the saver's own, then the fence.
 */
import { batchStatement } from "./batch-statements.ts";

/** The fenced statements for schema `s` (already quoted), as a row store `WriteGuard.sql`. */
export function fenceStatements(s: string) {
  const cp = `${s}.conclave_checkpoints`;
  const hd = `${s}.conclave_heads`;
  const fence = (run: string, generation: string) => `fence AS MATERIALIZED (
      SELECT 1 FROM ${s}.conclave_runs
      WHERE run_id = ${run} AND generation = ${generation} AND status = 'running' FOR SHARE)`;
  return {
    /** $1...$11 as the saver's `insert`; $12 run id, $13 generation. */
    insert: `WITH ${fence("$12", "$13")}, ins AS (
        INSERT INTO ${cp} (thread_id, ns, id, parent_id, ts, payload, hash, prev_hash, snapshot,
          since_bytes, since_count, snap_bytes)
        SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, NULL,
          $8::text, $9::bigint, $10::bigint, $11::bigint
        FROM fence
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
        (SELECT count(*) FROM head)::int AS moved, EXISTS (SELECT 1 FROM fence) AS held`,
    /** $1...$7 as the saver's `putWrites`; $8 run id, $9 generation. */
    putWrites: `WITH ${fence("$8", "$9")}, w AS (
        INSERT INTO ${s}.conclave_writes AS w
          (thread_id, ns, checkpoint_id, task_id, idx, channel, value)
        SELECT $1::text, $2::text, $3::text, t.task_id, t.idx, t.channel, t.value
        FROM fence, unnest($4::text[], $5::int[], $6::text[], $7::text[]) WITH ORDINALITY
          AS t (task_id, idx, channel, value, n)
        ORDER BY t.n
        ON CONFLICT (thread_id, ns, checkpoint_id, task_id, idx) DO UPDATE SET
          channel = CASE WHEN excluded.idx < 0 THEN excluded.channel ELSE w.channel END,
          value = CASE WHEN excluded.idx < 0 THEN excluded.value ELSE w.value END
      )
      SELECT EXISTS (SELECT 1 FROM fence) AS held`,
    /** $1...$18 as the saver's `insertBatch`; $19 run id, $20 generation. */
    insertBatch: batchStatement(s, fence("$19", "$20")),
  };
}
