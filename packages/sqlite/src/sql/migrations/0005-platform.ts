/**
 * Migration 5: the platform (assistants and their versions, threads, the run queue, workers,
 * crons). Append-only. Column names are the snake_case of core's row codecs (platform/codec.ts);
 * times are integer milliseconds so the queue compares numbers.
 *
 * The queue's hot paths each read one index:
 * - claim walks `conclave_runs_ready` in claim order (priority DESC, run_at, seq). It holds only
 *   the first pending run of each thread's line (`head = 1`; the thread's `head_seq` names it,
 *   and the store moves both whenever a thread's pending runs change), so a long line behind
 *   a running run costs one index entry, not one per queued run. "The thread has no running
 *   run" is `conclave_threads.running_run_id`;
 * - a thread's line (its pending runs by `seq`) is `conclave_runs_line`;
 * - fencing looks a run up by `run_id` (unique: fences carry no tenant);
 * - running runs are in one small partial index, `conclave_runs_owner`: the concurrency limits
 *   count them by tenant and assistant, and the sweeper scans them all (it looks for runs of
 *   lost workers, so an index by worker would not narrow the scan; heartbeats read runs by id);
 * - listings read newest first without sorting: every index ends with the rowid (`seq`), so
 *   `(tenant)` and `(tenant, thread_id)` are already in submission order.
 *
 * `seq` is the rowid and the submission order (FIFO within a thread, ties in claim order). It
 * is not AUTOINCREMENT: a reused rowid can only be that of the newest deleted run, so it still
 * sorts after every live run, and AUTOINCREMENT would cost a sqlite_sequence write per enqueue.
 */
export default `
CREATE TABLE conclave_assistants (
  tenant TEXT NOT NULL,
  assistant_id TEXT NOT NULL,
  graph_id TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT,
  config TEXT NOT NULL,
  context TEXT,
  metadata TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, assistant_id)
);
CREATE INDEX conclave_assistants_created ON conclave_assistants (tenant, created_at);

CREATE TABLE conclave_assistant_versions (
  tenant TEXT NOT NULL,
  assistant_id TEXT NOT NULL,
  graph_id TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT,
  config TEXT NOT NULL,
  context TEXT,
  metadata TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, assistant_id, version)
);

CREATE TABLE conclave_threads (
  tenant TEXT NOT NULL,
  thread_id TEXT NOT NULL,
  status TEXT NOT NULL,
  metadata TEXT NOT NULL,
  "values" TEXT,
  interrupts TEXT NOT NULL,
  running_run_id TEXT,
  head_seq INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, thread_id)
);
CREATE INDEX conclave_threads_created ON conclave_threads (tenant, created_at);

CREATE TABLE conclave_runs (
  seq INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL UNIQUE,
  tenant TEXT NOT NULL,
  thread_id TEXT NOT NULL,
  assistant_id TEXT NOT NULL,
  graph_id TEXT NOT NULL,
  assistant_version INTEGER NOT NULL,
  status TEXT NOT NULL,
  kwargs TEXT NOT NULL,
  metadata TEXT NOT NULL,
  priority INTEGER NOT NULL,
  multitask_strategy TEXT NOT NULL,
  idempotency_key TEXT,
  webhook TEXT,
  temporary INTEGER NOT NULL,
  run_at INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  generation INTEGER NOT NULL,
  worker_id TEXT,
  cancel_action TEXT,
  error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  started_at INTEGER,
  ended_at INTEGER,
  head INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX conclave_runs_ready ON conclave_runs (priority DESC, run_at, seq)
  WHERE status = 'pending' AND head = 1;
CREATE INDEX conclave_runs_line ON conclave_runs (tenant, thread_id, seq)
  WHERE status = 'pending';
CREATE INDEX conclave_runs_thread ON conclave_runs (tenant, thread_id);
CREATE INDEX conclave_runs_tenant ON conclave_runs (tenant);
CREATE INDEX conclave_runs_owner ON conclave_runs (tenant, assistant_id)
  WHERE status = 'running';
CREATE INDEX conclave_runs_dead ON conclave_runs (tenant) WHERE status = 'dead';
CREATE UNIQUE INDEX conclave_runs_idempotency ON conclave_runs (tenant, idempotency_key)
  WHERE idempotency_key IS NOT NULL;

CREATE TABLE conclave_workers (
  worker_id TEXT PRIMARY KEY,
  graph_ids TEXT NOT NULL,
  concurrency INTEGER NOT NULL,
  hostname TEXT,
  pid INTEGER,
  started_at INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL,
  lease_expires_at INTEGER NOT NULL
);

CREATE TABLE conclave_crons (
  tenant TEXT NOT NULL,
  cron_id TEXT NOT NULL,
  assistant_id TEXT NOT NULL,
  thread_id TEXT,
  schedule TEXT NOT NULL,
  time_zone TEXT NOT NULL,
  kwargs TEXT NOT NULL,
  metadata TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  next_run_at INTEGER NOT NULL,
  end_time INTEGER,
  last_run_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, cron_id)
);
CREATE INDEX conclave_crons_due ON conclave_crons (next_run_at) WHERE enabled = 1;
`;
