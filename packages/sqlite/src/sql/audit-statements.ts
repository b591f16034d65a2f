/**
 * The SQL of the SQLite audit log. Column aliases match core's `AuditRow` and `AuditHead`, so
 * rows need no mapping. Every read of events is ordered by seq over the (tenant, seq) primary
 * key, and pages resume with `seq > @afterSeq`, a range the key serves directly.
 */
import type { CheckedAuditQuery } from "@conclave/core";

const ROW_COLUMNS = `tenant, seq, id, ts, kind, actor, run_id AS runId, thread_id AS threadId,
  data, prev_hash AS prevHash, hash`;

/** The fixed audit statements, by name; prepared once each. */
export const AUDIT_SQL = {
  head: "SELECT tenant, seq, hash FROM conclave_audit_heads WHERE tenant = ?",
  putHead: `INSERT INTO conclave_audit_heads (tenant, seq, hash) VALUES (@tenant, @seq, @hash)
    ON CONFLICT (tenant) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`,
  insert: `INSERT INTO conclave_audit_events
      (tenant, seq, id, ts, kind, actor, run_id, thread_id, data, prev_hash, hash)
    VALUES (@tenant, @seq, @id, @ts, @kind, @actor, @runId, @threadId, @data, @prevHash, @hash)`,
  /** Counts tenants created by an append; ? is how many. */
  addTenants: "UPDATE conclave_audit_root SET tenants = tenants + ? WHERE id = 1",
  /** Whether fewer heads exist than tenants were ever created: a tenant's head was deleted. */
  tenantMissing: `SELECT (SELECT count(*) FROM conclave_audit_heads)
      < coalesce((SELECT tenants FROM conclave_audit_root WHERE id = 1), 0) AS missing`,
  /**
   * The first page of a tenant's rows for verify: (tenant, limit). It has no lower bound on
   * seq, so a row inserted below seq 1 is seen too.
   */
  firstPage: `SELECT ${ROW_COLUMNS} FROM conclave_audit_events
    WHERE tenant = ? ORDER BY seq LIMIT ?`,
  /** The next page for verify: (tenant, afterSeq, limit). */
  page: `SELECT ${ROW_COLUMNS} FROM conclave_audit_events
    WHERE tenant = ? AND seq > ? ORDER BY seq LIMIT ?`,
} as const;

/** The list statement for the filters a query uses (a handful of shapes, each prepared once). */
export function auditListSql(query: CheckedAuditQuery): string {
  const where = ["tenant = @tenant", "seq > @afterSeq"];
  if (query.runId !== undefined) where.push("run_id = @runId");
  if (query.kinds !== undefined) where.push("kind IN (SELECT value FROM json_each(@kinds))");
  if (query.from !== undefined) where.push("ts >= @from");
  if (query.to !== undefined) where.push("ts < @to");
  return `SELECT ${ROW_COLUMNS} FROM conclave_audit_events
    WHERE ${where.join(" AND ")} ORDER BY seq LIMIT @limit`;
}
