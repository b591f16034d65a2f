/**
 * The statement that stores a checkpoint batch (`PostgresRowStore.batch`): every row and
 * pending write a batch made, in one statement, so one round trip and one commit instead of one
 * of each per `put` and `putWrites`. It keeps the single statements' semantics:
 * - rows are inserted in the order they were put, and an id already stored is left alone;
 * - each thread's head record moves to its last inserted row and counts every inserted row;
 * - special channels (negative idx) overwrite, regular writes keep the first value (the batch
 *   itself arrives with its own repeats already merged that way, since one statement cannot
 *   update a row twice).
 *
 * A row whose id is already stored with another hash is a conflict: then the statement stores
 * nothing and returns the rows' positions (1-based) as `conflicts`, and the caller throws
 * CHECKPOINT_EXISTS, as `put` does (and as a batch in a rolled-back transaction would store
 * nothing). The conflict check reads the snapshot from before the statement, one index lookup
 * per row (a LATERAL with LIMIT, which the planner cannot turn into a hash join over every
 * stored checkpoint).
 *
 * Parameters: $1-$11 the rows (thread, ns, id, parent, ts, payload, hash, snapshot,
 * since_bytes, since_count, snap_bytes), $12-$18 the writes (thread, ns, checkpoint, task, idx,
 * channel, value), each an array. The fenced variant takes the run id and generation as $19 and
 * $20 and writes only while the run is still that claim's (see `platform-fence-statements.ts`).
 * The grouped variant (several runs' batches in one end statement, `finishGroup`) takes each
 * row's and each write's item number as $19 and $20, and writes the items CTE `fence` lists.
 */

/**
 * Which of a batch's rows and writes are stored: all of them when nothing conflicts
 * (`open`), only while CTE `fence` has a row (`fence`), or those of the items CTE `fence`
 * lists by `k` (`items`, the grouped variant).
 */
export type BatchGate = "open" | "fence" | "items";

/** `fence` is the text of a CTE named `fence` (one row when the write may go ahead), or none. */
export function batchStatement(s: string, fence?: string): string {
  return `WITH ${fence === undefined ? "" : `${fence},`} ${batchReads(s)},
    ${batchWrites(s, fence === undefined ? "open" : "fence")}
    SELECT ${BATCH_CONFLICTS} AS conflicts,
      ${fence === undefined ? "true" : "EXISTS (SELECT 1 FROM fence)"} AS held`;
}

/** The batch's conflicts, as the statement returns them. */
const BATCH_CONFLICTS = "ARRAY(SELECT n::int FROM conflicts ORDER BY n)";

/**
 * The batch's reading CTEs, `input` and `conflicts` (schema `s`), for a statement that writes a
 * batch among other work (see `platform-end-statements.ts`). With `items`, each row has its
 * item `k` and its position `pos` among the item's rows, and so has each conflict.
 */
export function batchReads(s: string, items = false): string {
  const cp = `${s}.conclave_checkpoints`;
  return `input AS MATERIALIZED (
      SELECT *${items ? ", row_number() OVER (PARTITION BY k ORDER BY n) AS pos" : ""}
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
          $6::text[], $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::bigint[]
          ${items ? ", $19::int[]" : ""})
        WITH ORDINALITY AS x (thread_id, ns, id, parent_id, ts, payload, hash, snapshot,
          since_bytes, since_count, snap_bytes, ${items ? "k, " : ""}n)
    ), conflicts AS MATERIALIZED (
      SELECT x.n${items ? ", x.k, x.pos" : ""} FROM input x, LATERAL (SELECT c.hash FROM ${cp} c
          WHERE c.thread_id = x.thread_id AND c.ns = x.ns AND c.id = x.id LIMIT 1) c
      WHERE c.hash <> x.hash
    )`;
}

/**
 * The batch's writing CTEs, `ins`, `moved`, `head` and `w`, after {@link batchReads}; `gate`
 * says which rows and writes they store (see {@link BatchGate}).
 */
export function batchWrites(s: string, gate: BatchGate): string {
  const cp = `${s}.conclave_checkpoints`;
  const hd = `${s}.conclave_heads`;
  const from = gate === "fence" ? ", fence" : "";
  const stored = (alias: string) =>
    gate === "items"
      ? `${alias}.k IN (SELECT k FROM fence)`
      : "NOT EXISTS (SELECT 1 FROM conflicts)";
  return `ins AS (
      INSERT INTO ${cp} (thread_id, ns, id, parent_id, ts, payload, hash, prev_hash, snapshot,
        since_bytes, since_count, snap_bytes)
      SELECT x.thread_id, x.ns, x.id, x.parent_id, x.ts, x.payload, x.hash, NULL, x.snapshot,
        x.since_bytes, x.since_count, x.snap_bytes
      FROM input x${from} WHERE ${stored("x")} ORDER BY x.n
      ON CONFLICT (thread_id, ns, id) DO NOTHING
      RETURNING thread_id, ns, id
    ), moved AS (
      SELECT DISTINCT ON (x.thread_id) x.thread_id, x.ns, x.id, x.hash,
        count(*) OVER (PARTITION BY x.thread_id) AS added
      FROM ins JOIN input x USING (thread_id, ns, id)
      ${gate === "items" ? `WHERE ${stored("x")}` : ""}
      ORDER BY x.thread_id, x.n DESC
    ), head AS (
      INSERT INTO ${hd} (thread_id, head_ns, head_id, head_hash, row_count)
      SELECT thread_id, ns, id, hash, added FROM moved
      ON CONFLICT (thread_id) DO UPDATE SET head_ns = excluded.head_ns,
        head_id = excluded.head_id, head_hash = excluded.head_hash,
        row_count = ${hd}.row_count + excluded.row_count
    ), w AS (
      INSERT INTO ${s}.conclave_writes AS w
        (thread_id, ns, checkpoint_id, task_id, idx, channel, value)
      SELECT t.thread_id, t.ns, t.checkpoint_id, t.task_id, t.idx, t.channel, t.value
      FROM unnest($12::text[], $13::text[], $14::text[], $15::text[], $16::int[], $17::text[],
          $18::text[]${gate === "items" ? ", $20::int[]" : ""}) WITH ORDINALITY
        AS t (thread_id, ns, checkpoint_id, task_id, idx, channel, value,
          ${gate === "items" ? "k, " : ""}n)${from}
      WHERE ${stored("t")}
      ORDER BY t.n
      ON CONFLICT (thread_id, ns, checkpoint_id, task_id, idx) DO UPDATE SET
        channel = CASE WHEN excluded.idx < 0 THEN excluded.channel ELSE w.channel END,
        value = CASE WHEN excluded.idx < 0 THEN excluded.value ELSE w.value END
    )`;
}
