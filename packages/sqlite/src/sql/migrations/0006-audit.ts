/**
 * Migration 6: the audit log. Append-only: never edit a released migration.
 *
 * - `conclave_audit_events`: one row per event, keyed (tenant, seq); seq is 1-based and
 *   gapless per tenant. `data` is the canonical JSON text the hash covers; `ts` is ISO UTC
 *   text, which sorts in time order. The hash formula is in @conclave/core `audit/chain.ts`.
 * - `conclave_audit_heads`: the newest seq and hash of each tenant, written in the same
 *   transaction as every append, so deleting the newest events is detected.
 * - `conclave_audit_root`: one row counting the tenants that have a head, so deleting a whole
 *   tenant (its events and its head) is detected as well.
 *
 * There are deliberately no triggers: appends write the head explicitly, and a row changed
 * outside Conclave must leave the chain and the head disagreeing, so `verify` notices.
 */
export default `
CREATE TABLE conclave_audit_events (
  tenant TEXT NOT NULL,
  seq INTEGER NOT NULL,
  id TEXT NOT NULL,
  ts TEXT NOT NULL,
  kind TEXT NOT NULL,
  actor TEXT,
  run_id TEXT,
  thread_id TEXT,
  data TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (tenant, seq)
) WITHOUT ROWID;
CREATE INDEX conclave_audit_events_run ON conclave_audit_events (tenant, run_id, seq)
  WHERE run_id IS NOT NULL;

CREATE TABLE conclave_audit_heads (
  tenant TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE conclave_audit_root (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  tenants INTEGER NOT NULL
);
INSERT INTO conclave_audit_root (id, tenants) VALUES (1, 0);
`;
