/**
 * Read-only SQL for what an operator needs and the tenant-scoped store API does not offer:
 * which tenants exist, which tenant a run or thread id belongs to (both ids are unique across
 * tenants), and row counts for backup summaries. Written once for both databases: `:s.` is the
 * schema prefix and `?` the parameter marker, rewritten for PostgreSQL.
 */
import type { PlatformStore } from "@conclave/core";
import { PostgresPlatformStore, quoteSchema } from "@conclave/postgres";
import type { Platform } from "@conclave/runtime";
import { SqlitePlatformStore } from "@conclave/sqlite";

/** Every table with a tenant column: a tenant with anything stored appears in one of them. */
const TENANTS_SQL = [
  "conclave_audit_heads",
  "conclave_audit_events",
  "conclave_runs",
  "conclave_threads",
  "conclave_assistants",
  "conclave_api_keys",
]
  .map((table) => `SELECT DISTINCT tenant FROM :s.${table}`)
  .join(" UNION ")
  .concat(" ORDER BY 1");

const SQL = {
  tenants: TENANTS_SQL,
  /** Tenants with an audit log: a head, events, or both (either alone is damage verify names). */
  auditTenants: `SELECT tenant FROM :s.conclave_audit_heads
    UNION SELECT DISTINCT tenant FROM :s.conclave_audit_events ORDER BY 1`,
  runTenant: "SELECT tenant FROM :s.conclave_runs WHERE run_id = ?",
  threadTenant: "SELECT tenant FROM :s.conclave_threads WHERE thread_id = ?",
  /** Tenants the audit root counts that have no head any more (a whole log was deleted). */
  auditTenantsMissing: `SELECT coalesce((SELECT tenants FROM :s.conclave_audit_root WHERE id = 1), 0)
      - (SELECT count(*) FROM :s.conclave_audit_heads) AS missing`,
} as const;

/** What `countRows` counts, by the name it reports. */
const COUNTED = {
  runs: "conclave_runs",
  threads: "conclave_threads",
  checkpoints: "conclave_checkpoints",
  auditEvents: "conclave_audit_events",
  usageRecords: "conclave_usage",
} as const;

const COUNT_SQL = `SELECT ${Object.entries(COUNTED)
  .map(([name, table]) => `(SELECT count(*) FROM :s.${table}) AS "${name}"`)
  .join(", ")}`;

async function query(
  store: PlatformStore,
  sql: string,
  params: unknown[] = [],
): Promise<Record<string, unknown>[]> {
  if (store instanceof SqlitePlatformStore)
    return store.db.prepare(sql.replaceAll(":s.", "")).all(...params) as Record<string, unknown>[];
  if (store instanceof PostgresPlatformStore) {
    let n = 0;
    const text = sql.replaceAll(":s.", `${quoteSchema(store.schema)}.`).replace(/\?/g, () => {
      n += 1;
      return `$${n}`;
    });
    return (await store.pool.query(text, params)).rows as Record<string, unknown>[];
  }
  throw new Error("admin queries need a SQLite or PostgreSQL platform store.");
}

/** Every tenant with stored data, sorted. */
export async function listTenants(platform: Platform): Promise<string[]> {
  return (await query(platform.store, SQL.tenants)).map((row) => String(row.tenant));
}

/** Every tenant with an audit log (events or a head), sorted. */
export async function listAuditTenants(platform: Platform): Promise<string[]> {
  return (await query(platform.store, SQL.auditTenants)).map((row) => String(row.tenant));
}

/** The tenant that owns run `runId`, or undefined when no tenant has it. */
export async function tenantOfRun(platform: Platform, runId: string): Promise<string | undefined> {
  const [row] = await query(platform.store, SQL.runTenant, [runId]);
  return row ? String(row.tenant) : undefined;
}

/** The tenant that owns thread `threadId`, or undefined when no tenant has it. */
export async function tenantOfThread(
  platform: Platform,
  threadId: string,
): Promise<string | undefined> {
  const [row] = await query(platform.store, SQL.threadTenant, [threadId]);
  return row ? String(row.tenant) : undefined;
}

/** How many tenants' audit logs were deleted whole (events and head), by the root count. */
export async function auditTenantsMissing(platform: Platform): Promise<number> {
  const [row] = await query(platform.store, SQL.auditTenantsMissing);
  return Math.max(0, Number(row?.missing ?? 0));
}

/** Rows in the main tables (runs, threads, checkpoints, audit events, usage records). */
export async function countRows(
  store: PlatformStore,
): Promise<Record<keyof typeof COUNTED, number>> {
  const [row] = await query(store, COUNT_SQL);
  const counts = {} as Record<keyof typeof COUNTED, number>;
  for (const name of Object.keys(COUNTED) as (keyof typeof COUNTED)[])
    counts[name] = Number(row?.[name] ?? 0);
  return counts;
}
