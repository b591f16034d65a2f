/**
 * Migration 6: the audit log. `:schema` is replaced by the quoted schema name. Append-only.
 *
 * - `conclave_audit_events`: one row per event, keyed (tenant, seq); seq is 1-based and
 *   gapless per tenant. `data` is the canonical JSON text the hash covers; `ts` is ISO UTC text
 *   in the "C" collation, so it sorts in time order whatever the database's locale. The hash
 *   formula is in @conclave/core `audit/chain.ts`.
 * - `conclave_audit_heads`: the newest seq and hash of each tenant. An append locks its
 *   tenants' head rows first, which keeps each chain linear across connections, and updates
 *   them in the same statement that inserts the events.
 * - `conclave_audit_root`: one row counting the tenants that have a head, so deleting a whole
 *   tenant (its events and its head) is detected as well. Only a tenant's first append locks it.
 */
export default `
CREATE TABLE :schema.conclave_audit_events (
  tenant text NOT NULL,
  seq bigint NOT NULL,
  id text NOT NULL,
  ts text COLLATE "C" NOT NULL,
  kind text NOT NULL,
  actor text,
  run_id text,
  thread_id text,
  data text NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  PRIMARY KEY (tenant, seq)
);
CREATE INDEX conclave_audit_events_run ON :schema.conclave_audit_events (tenant, run_id, seq)
  WHERE run_id IS NOT NULL;

CREATE TABLE :schema.conclave_audit_heads (
  tenant text PRIMARY KEY,
  seq bigint NOT NULL,
  hash text NOT NULL
);

CREATE TABLE :schema.conclave_audit_root (
  id integer PRIMARY KEY CHECK (id = 1),
  tenants bigint NOT NULL
);
INSERT INTO :schema.conclave_audit_root (id, tenants) VALUES (1, 0);
`;
