/**
 * Tampering scenarios for the audit log, shared by the SQLite and PostgreSQL tamper tests. Each
 * seeds a fresh tenant through a real log, then edits the database with the database's own
 * command-line tool, and states the first seq `verify` must name and why. The SQL is plain
 * enough to run on both databases.
 */
import { randomUUID } from "node:crypto";
import {
  type AuditEvent,
  type AuditFailureReason,
  type AuditLog,
  type AuditRow,
  auditHash,
} from "@conclave/core";

/** A seeded tenant: its name and its 10 events in seq order. */
export interface AuditSeeded {
  tenant: string;
  events: AuditEvent[];
}

let tenants = 0;

/** Appends 10 events to a new tenant (and 3 to a bystander tenant that must stay intact). */
export async function seedAudit(log: AuditLog): Promise<AuditSeeded> {
  const tenant = `victim-${tenants++}-${randomUUID().slice(0, 8)}`;
  const kinds = ["run.created", "run.started", "route.decision", "model.call", "tool.call"];
  const events = await log.append(
    Array.from({ length: 10 }, (_, i) => ({
      tenant,
      kind: kinds[i % kinds.length]!,
      actor: i % 3 === 0 ? null : `worker:w${i}`,
      runId: `run-${i % 2}`,
      threadId: `thread-${i % 2}`,
      data: { i, note: `event ${i}` },
    })),
  );
  await log.append(
    [0, 1, 2].map((i) => ({ tenant: BYSTANDER, kind: "tool.call", actor: null, data: { i } })),
  );
  return { tenant, events };
}

/** A tenant appended next to every victim; tampering with the victim must not break it. */
export const BYSTANDER = "bystander";

/** One way of tampering, and what verify must report. */
export interface AuditTamperCase {
  name: string;
  sql: (s: AuditSeeded) => string;
  /** The first bad seq verify must name, and its reason. */
  seq: number;
  reason: AuditFailureReason;
}

const E = "conclave_audit_events";
const H = "conclave_audit_heads";
const at = (s: AuditSeeded, seq: number) => `tenant = '${s.tenant}' AND seq = ${seq}`;
const q = (value: string | number | null) =>
  value === null
    ? "NULL"
    : typeof value === "number"
      ? String(value)
      : `'${value.replaceAll("'", "''")}'`;

/** An event after the newest one whose hash is computed correctly, as a careful forger would. */
function forgedInsert(s: AuditSeeded): string {
  const last = s.events[s.events.length - 1]!;
  const unsealed = {
    tenant: s.tenant,
    seq: last.seq + 1,
    id: randomUUID(),
    ts: last.ts,
    kind: "admin.key.created",
    actor: "user:mallory",
    runId: null,
    threadId: null,
    data: '{"keyId":"backdoor"}',
  };
  const row: AuditRow = { ...unsealed, prevHash: last.hash, hash: auditHash(last.hash, unsealed) };
  const values = [
    row.tenant,
    row.seq,
    row.id,
    row.ts,
    row.kind,
    row.actor,
    null,
    null,
    row.data,
    row.prevHash,
    row.hash,
  ];
  return `INSERT INTO ${E} (tenant, seq, id, ts, kind, actor, run_id, thread_id, data, prev_hash, hash)
    VALUES (${values.map(q).join(", ")});`;
}

/** The scenarios: every column edited, deletes at each end and the middle, reorders, forgeries. */
export const AUDIT_TAMPER_CASES: AuditTamperCase[] = [
  ...(
    [
      ["data", "data = replace(data, '\"i\":4', '\"i\":40')", 5],
      ["data (whitespace only)", "data = data || ' '", 4],
      ["kind", "kind = 'tool.call'", 3],
      ["ts", "ts = '2020-01-01T00:00:00.000Z'", 7],
      ["actor", "actor = 'user:mallory'", 2],
      ["actor (to null)", "actor = NULL", 3],
      ["run_id", "run_id = 'run-9'", 6],
      ["thread_id", "thread_id = NULL", 8],
      ["id", "id = 'not-the-id'", 9],
      ["tenant", "tenant = 'elsewhere'", 5],
      ["hash", "hash = replace(hash, substr(hash, 1, 1), 'x')", 4],
      ["seq of the first row", "seq = 0", 1],
    ] as const
  ).map(([column, set, seq]) => ({
    name: `edit ${column}`,
    sql: (s: AuditSeeded) => `UPDATE ${E} SET ${set} WHERE ${at(s, seq)};`,
    seq: seq,
    // A row renumbered or moved to another tenant leaves a hole where it was.
    reason:
      column === "seq of the first row" || column === "tenant"
        ? ("seq-gap" as const)
        : ("hash-mismatch" as const),
  })),
  {
    name: "edit prev_hash",
    sql: (s) => `UPDATE ${E} SET prev_hash = '${"0".repeat(64)}' WHERE ${at(s, 6)};`,
    seq: 6,
    reason: "broken-link",
  },
  {
    name: "delete the first row",
    sql: (s) => `DELETE FROM ${E} WHERE ${at(s, 1)};`,
    seq: 1,
    reason: "seq-gap",
  },
  {
    name: "delete a middle row",
    sql: (s) => `DELETE FROM ${E} WHERE ${at(s, 5)};`,
    seq: 5,
    reason: "seq-gap",
  },
  {
    name: "delete the newest row",
    sql: (s) => `DELETE FROM ${E} WHERE ${at(s, 10)};`,
    seq: 10,
    reason: "truncated",
  },
  {
    name: "reorder rows by swapping their seq",
    sql: (s) =>
      [
        `UPDATE ${E} SET seq = -1 WHERE ${at(s, 3)};`,
        `UPDATE ${E} SET seq = 3 WHERE ${at(s, 6)};`,
        `UPDATE ${E} SET seq = 6 WHERE ${at(s, -1)};`,
      ].join("\n"),
    seq: 3,
    reason: "broken-link",
  },
  {
    name: "swap two rows' data",
    sql: (s) =>
      `UPDATE ${E} SET data = (SELECT data FROM ${E} WHERE ${at(s, 8)}) WHERE ${at(s, 2)};`,
    seq: 2,
    reason: "hash-mismatch",
  },
  {
    name: "insert a forged row with a valid hash",
    sql: forgedInsert,
    seq: 11,
    reason: "beyond-head",
  },
  {
    name: "insert a forged row before the first",
    sql: (s) =>
      `INSERT INTO ${E} (tenant, seq, id, ts, kind, actor, run_id, thread_id, data, prev_hash, hash)
        SELECT tenant, 0, id, ts, kind, actor, run_id, thread_id, data, '', hash FROM ${E}
        WHERE ${at(s, 1)};`,
    seq: 1,
    reason: "seq-gap",
  },
  {
    name: "truncate the tenant's events",
    sql: (s) => `DELETE FROM ${E} WHERE tenant = '${s.tenant}';`,
    seq: 1,
    reason: "truncated",
  },
  {
    name: "delete the tenant's events and head",
    sql: (s) =>
      `DELETE FROM ${E} WHERE tenant = '${s.tenant}'; DELETE FROM ${H} WHERE tenant = '${s.tenant}';`,
    seq: 1,
    reason: "tenant-missing",
  },
  {
    name: "delete the head record",
    sql: (s) => `DELETE FROM ${H} WHERE tenant = '${s.tenant}';`,
    seq: 10,
    reason: "head-missing",
  },
  {
    name: "replace the head's hash",
    sql: (s) =>
      `UPDATE ${H} SET hash = (SELECT hash FROM ${E} WHERE ${at(s, 9)}) WHERE tenant = '${s.tenant}';`,
    seq: 10,
    reason: "head-mismatch",
  },
];
