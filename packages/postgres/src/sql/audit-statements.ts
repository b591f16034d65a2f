/**
 * The SQL of the PostgreSQL audit log, for one (quoted) schema. Column aliases match core's
 * `AuditRow` and `AuditHead`; seq travels as float8 (exact to 2^53) so rows need no mapping.
 * A batch moves in one statement through parallel arrays (`unnest`), so an append of any size
 * is a fixed number of round trips.
 */
import type { CheckedAuditQuery } from "@conclave/core";

const ROW_COLUMNS = `tenant, seq::float8 AS seq, id, ts, kind, actor, run_id AS "runId",
  thread_id AS "threadId", data, prev_hash AS "prevHash", hash`;

/** A statement's text and its positional values. */
export interface AuditBound {
  text: string;
  values: unknown[];
}

/** The audit statements for schema `s` (already quoted). */
export function auditStatements(s: string) {
  const heads = `${s}.conclave_audit_heads`;
  return {
    /**
     * Creates missing heads at seq 0 and row-locks every head of the batch, in one round trip:
     * ON CONFLICT DO UPDATE waits for a concurrent appender's lock and then returns the
     * committed head, so the chain is extended from the latest event. $1: distinct tenants.
     * A returned seq of 0 marks a head created by this transaction.
     */
    lockHeads: `INSERT INTO ${heads} AS h (tenant, seq, hash)
      SELECT t, 0, '' FROM unnest($1::text[]) AS t ORDER BY t
      ON CONFLICT (tenant) DO UPDATE SET seq = h.seq
      RETURNING h.tenant, h.seq::float8 AS seq, h.hash`,
    /**
     * Inserts the events ($1-$11, parallel arrays), moves the heads ($12-$14) and counts new
     * tenants ($15), all in one statement.
     */
    write: `WITH events AS (
        INSERT INTO ${s}.conclave_audit_events
          (tenant, seq, id, ts, kind, actor, run_id, thread_id, data, prev_hash, hash)
        SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[],
          $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
      ), moved AS (
        UPDATE ${heads} h SET seq = k.seq, hash = k.hash
        FROM unnest($12::text[], $13::bigint[], $14::text[]) AS k (tenant, seq, hash)
        WHERE h.tenant = k.tenant
      ), counted AS (
        UPDATE ${s}.conclave_audit_root SET tenants = tenants + $15::bigint
        WHERE id = 1 AND $15::bigint > 0
      )
      SELECT 1`,
    head: `SELECT tenant, seq::float8 AS seq, hash FROM ${heads} WHERE tenant = $1`,
    /**
     * Takes up to $1 outbox events, oldest first. Rows another writer holds are waited for, not
     * skipped: that writer chains them first, so nothing written to the outbox before this
     * statement began lands behind this transaction's events.
     */
    takeOutbox: `DELETE FROM ${s}.conclave_audit_outbox o WHERE o.id IN (
        SELECT id FROM ${s}.conclave_audit_outbox ORDER BY id LIMIT $1 FOR UPDATE
      ) RETURNING o.id::float8 AS id, o.event`,
    /**
     * The first page of a tenant's rows for verify: ($1 tenant, $2 limit). It has no lower
     * bound on seq, so a row inserted below seq 1 is seen too.
     */
    firstPage: `SELECT ${ROW_COLUMNS} FROM ${s}.conclave_audit_events
      WHERE tenant = $1 ORDER BY seq LIMIT $2`,
    /** The next page for verify: ($1 tenant, $2 afterSeq, $3 limit). */
    page: `SELECT ${ROW_COLUMNS} FROM ${s}.conclave_audit_events
      WHERE tenant = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    /** Whether fewer heads exist than tenants were ever created: a tenant's head was deleted. */
    tenantMissing: `SELECT (SELECT count(*) FROM ${heads})
        < coalesce((SELECT tenants FROM ${s}.conclave_audit_root WHERE id = 1), 0) AS missing`,
  } as const;
}

/** The statement names of {@link auditStatements}. */
export type AuditStatements = ReturnType<typeof auditStatements>;

/** The list statement for a checked query, with only the filters it uses. */
export function auditListSql(s: string, query: CheckedAuditQuery): AuditBound {
  const values: unknown[] = [query.tenant, query.afterSeq];
  const where = ["tenant = $1", "seq > $2"];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    where.push(`${sql} $${values.length}`);
  };
  if (query.runId !== undefined) add("run_id =", query.runId);
  if (query.kinds !== undefined) {
    values.push(query.kinds);
    where.push(`kind = ANY ($${values.length}::text[])`);
  }
  if (query.from !== undefined) add("ts >=", query.from);
  if (query.to !== undefined) add("ts <", query.to);
  values.push(query.limit ?? null);
  return {
    text: `SELECT ${ROW_COLUMNS} FROM ${s}.conclave_audit_events
      WHERE ${where.join(" AND ")} ORDER BY seq LIMIT $${values.length}`,
    values,
  };
}
