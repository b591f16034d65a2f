/**
 * Migration 5: the platform (assistants and their versions, threads, the run queue, workers,
 * crons). `:schema` is replaced by the quoted schema name. Append-only.
 *
 * Times are bigint milliseconds (the queue compares numbers) and JSON fields are text, as in
 * core's `platform/codec.ts`, so SQLite and PostgreSQL rows have the same shapes.
 *
 * Two thread columns exist only for the queue's atomic steps:
 * - `running_run_id` is the run holding the thread. A claim requires it to be null and sets it,
 *   under the thread's row lock, so two workers can never start two runs of one thread (a row
 *   lock re-checks the row's newest version, which a subquery on runs would not).
 * - `active_runs` counts the thread's pending and running runs, so the single statement that
 *   ends a run can set the thread's status from the newest row version, not from a snapshot
 *   taken before it waited for the thread's lock.
 *
 * `seq` orders runs by submission (FIFO within a thread, newest-first listings).
 */
export default `
CREATE TABLE :schema.conclave_assistants (
  tenant text NOT NULL,
  assistant_id text NOT NULL,
  graph_id text NOT NULL,
  name text NOT NULL,
  description text,
  config text NOT NULL,
  context text,
  metadata text NOT NULL,
  version integer NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (tenant, assistant_id)
);
CREATE INDEX conclave_assistants_created ON :schema.conclave_assistants (tenant, created_at DESC);

CREATE TABLE :schema.conclave_assistant_versions (
  tenant text NOT NULL,
  assistant_id text NOT NULL,
  version integer NOT NULL,
  graph_id text NOT NULL,
  name text NOT NULL,
  description text,
  config text NOT NULL,
  context text,
  metadata text NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (tenant, assistant_id, version)
);

CREATE TABLE :schema.conclave_threads (
  tenant text NOT NULL,
  thread_id text NOT NULL,
  status text NOT NULL,
  metadata text NOT NULL,
  "values" text,
  interrupts text NOT NULL,
  active_runs integer NOT NULL DEFAULT 0 CHECK (active_runs >= 0),
  running_run_id text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (tenant, thread_id)
);
CREATE INDEX conclave_threads_created ON :schema.conclave_threads (tenant, created_at DESC);

CREATE TABLE :schema.conclave_runs (
  seq bigserial NOT NULL,
  run_id text PRIMARY KEY,
  tenant text NOT NULL,
  thread_id text NOT NULL,
  assistant_id text NOT NULL,
  graph_id text NOT NULL,
  assistant_version integer NOT NULL,
  status text NOT NULL,
  kwargs text NOT NULL,
  metadata text NOT NULL,
  priority integer NOT NULL,
  multitask_strategy text NOT NULL,
  idempotency_key text,
  webhook text,
  temporary boolean NOT NULL,
  run_at bigint NOT NULL,
  attempt integer NOT NULL,
  max_attempts integer NOT NULL,
  generation bigint NOT NULL,
  worker_id text,
  cancel_action text,
  error text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  started_at bigint,
  ended_at bigint
);
-- The claim walks this in claim order and stops after the batch.
CREATE INDEX conclave_runs_claim ON :schema.conclave_runs (priority DESC, run_at, seq)
  WHERE status = 'pending';
-- "First in its thread's line": the thread's oldest pending run.
CREATE INDEX conclave_runs_line ON :schema.conclave_runs (tenant, thread_id, seq)
  WHERE status = 'pending';
CREATE INDEX conclave_runs_thread ON :schema.conclave_runs (tenant, thread_id, seq);
CREATE INDEX conclave_runs_tenant ON :schema.conclave_runs (tenant, seq);
-- Concurrency limits count running runs per assistant and tenant; the sweeper scans them.
CREATE INDEX conclave_runs_running ON :schema.conclave_runs (tenant, assistant_id)
  WHERE status = 'running';
CREATE INDEX conclave_runs_dead ON :schema.conclave_runs (tenant) WHERE status = 'dead';
CREATE UNIQUE INDEX conclave_runs_idempotency ON :schema.conclave_runs (tenant, idempotency_key)
  WHERE idempotency_key IS NOT NULL;

CREATE TABLE :schema.conclave_workers (
  worker_id text PRIMARY KEY,
  graph_ids text NOT NULL,
  concurrency integer NOT NULL,
  hostname text,
  pid integer,
  started_at bigint NOT NULL,
  heartbeat_at bigint NOT NULL,
  lease_expires_at bigint NOT NULL
);

CREATE TABLE :schema.conclave_crons (
  tenant text NOT NULL,
  cron_id text NOT NULL,
  assistant_id text NOT NULL,
  thread_id text,
  schedule text NOT NULL,
  time_zone text NOT NULL,
  kwargs text NOT NULL,
  metadata text NOT NULL,
  enabled boolean NOT NULL,
  next_run_at bigint NOT NULL,
  end_time bigint,
  last_run_at bigint,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (tenant, cron_id)
);
CREATE INDEX conclave_crons_due ON :schema.conclave_crons (next_run_at) WHERE enabled;
`;
