/**
 * The SQL of the SQLite platform store's resources: assistants (and their versions), threads,
 * workers and crons. Aliases match core's row codecs (platform/codec.ts). Searches are built per
 * filter shape by platform/filters.ts from the column lists here. Every statement on a tenant's
 * record filters by tenant; workers belong to the deployment, not to a tenant.
 */

/** The assistant columns, as `AssistantRow`. */
export const ASSISTANT_COLUMNS = `tenant, assistant_id AS assistantId, graph_id AS graphId, name,
  description, config, context, metadata, version, created_at AS createdAt,
  updated_at AS updatedAt`;

const ASSISTANT_INSERT = `(tenant, assistant_id, graph_id, name, description, config, context,
    metadata, version, created_at, updated_at)
  VALUES (@tenant, @assistantId, @graphId, @name, @description, @config, @context, @metadata,
    @version, @createdAt, @updatedAt)`;

/** The thread columns, as `ThreadRow`. */
export const THREAD_COLUMNS = `tenant, thread_id AS threadId, status, metadata, "values",
  interrupts, created_at AS createdAt, updated_at AS updatedAt`;

/** The cron columns, as `CronRow`. */
export const CRON_COLUMNS = `tenant, cron_id AS cronId, assistant_id AS assistantId,
  thread_id AS threadId, schedule, time_zone AS timeZone, kwargs, metadata, enabled,
  next_run_at AS nextRunAt, end_time AS endTime, last_run_at AS lastRunAt,
  created_at AS createdAt, updated_at AS updatedAt`;

const WORKER_COLUMNS = `worker_id AS workerId, graph_ids AS graphIds, concurrency, hostname, pid,
  started_at AS startedAt, heartbeat_at AS heartbeatAt, lease_expires_at AS leaseExpiresAt`;

/** Assistant statements. */
export const ASSISTANT_SQL = {
  get: `SELECT ${ASSISTANT_COLUMNS} FROM conclave_assistants
    WHERE tenant = ? AND assistant_id = ?`,
  insert: `INSERT INTO conclave_assistants ${ASSISTANT_INSERT}`,
  /** Makes a version current; `created_at` stays the assistant's. */
  setCurrent: `INSERT INTO conclave_assistants ${ASSISTANT_INSERT}
    ON CONFLICT (tenant, assistant_id) DO UPDATE SET graph_id = excluded.graph_id,
      name = excluded.name, description = excluded.description, config = excluded.config,
      context = excluded.context, metadata = excluded.metadata, version = excluded.version,
      updated_at = excluded.updated_at`,
  insertVersion: `INSERT INTO conclave_assistant_versions ${ASSISTANT_INSERT}`,
  getVersion: `SELECT ${ASSISTANT_COLUMNS} FROM conclave_assistant_versions
    WHERE tenant = ? AND assistant_id = ? AND version = ?`,
  touchVersion: `UPDATE conclave_assistant_versions SET updated_at = ?
    WHERE tenant = ? AND assistant_id = ? AND version = ?`,
  latestVersion: `SELECT MAX(version) AS version FROM conclave_assistant_versions
    WHERE tenant = ? AND assistant_id = ?`,
  versions: `SELECT ${ASSISTANT_COLUMNS} FROM conclave_assistant_versions
    WHERE tenant = ? AND assistant_id = ? ORDER BY version DESC`,
  delete: "DELETE FROM conclave_assistants WHERE tenant = ? AND assistant_id = ?",
  deleteVersions: "DELETE FROM conclave_assistant_versions WHERE tenant = ? AND assistant_id = ?",
} as const;

/** Thread statements (the queue's own thread updates are in platform-run-statements.ts). */
export const THREAD_SQL = {
  get: `SELECT ${THREAD_COLUMNS} FROM conclave_threads WHERE tenant = ? AND thread_id = ?`,
  insert: `INSERT INTO conclave_threads
      (tenant, thread_id, status, metadata, "values", interrupts, created_at, updated_at)
    VALUES (@tenant, @threadId, 'idle', @metadata, NULL, '{}', @now, @now)`,
  setMetadata: `UPDATE conclave_threads SET metadata = @metadata, updated_at = @now
    WHERE tenant = @tenant AND thread_id = @threadId`,
  /** A busy thread stays busy: its run's finish sets the status. */
  setState: `UPDATE conclave_threads SET "values" = @values, interrupts = @interrupts,
      status = CASE WHEN status = 'busy' THEN 'busy'
        WHEN @interrupted THEN 'interrupted' ELSE 'idle' END,
      updated_at = @now
    WHERE tenant = @tenant AND thread_id = @threadId`,
  /** The run that keeps the thread from being deleted: the running one, else the first pending. */
  activeRun: `SELECT COALESCE(running_run_id, (SELECT run_id FROM conclave_runs
      WHERE tenant = @tenant AND thread_id = @threadId AND status = 'pending'
      ORDER BY seq LIMIT 1)) AS runId
    FROM conclave_threads WHERE tenant = @tenant AND thread_id = @threadId`,
  deleteRuns: "DELETE FROM conclave_runs WHERE tenant = ? AND thread_id = ?",
  delete: "DELETE FROM conclave_threads WHERE tenant = ? AND thread_id = ?",
} as const;

/** Worker statements. */
export const WORKER_SQL = {
  /** Re-registering keeps the first `started_at`, as the memory store does. */
  upsert: `INSERT INTO conclave_workers (worker_id, graph_ids, concurrency, hostname, pid,
      started_at, heartbeat_at, lease_expires_at)
    VALUES (@workerId, @graphIds, @concurrency, @hostname, @pid, @now, @now, @expires)
    ON CONFLICT (worker_id) DO UPDATE SET graph_ids = excluded.graph_ids,
      concurrency = excluded.concurrency, hostname = excluded.hostname, pid = excluded.pid,
      heartbeat_at = excluded.heartbeat_at, lease_expires_at = excluded.lease_expires_at
    RETURNING ${WORKER_COLUMNS}`,
  exists: "SELECT 1 AS found FROM conclave_workers WHERE worker_id = ?",
  renew: `UPDATE conclave_workers SET heartbeat_at = @now, lease_expires_at = @expires
    WHERE worker_id = @workerId`,
  /** What a heartbeat needs to tell whether the worker still holds a run. */
  held: `SELECT status, generation, worker_id AS workerId, cancel_action AS cancelAction
    FROM conclave_runs WHERE run_id = ?`,
  delete: "DELETE FROM conclave_workers WHERE worker_id = ?",
  list: `SELECT ${WORKER_COLUMNS} FROM conclave_workers ORDER BY started_at, worker_id`,
  /** Running runs whose worker is gone or whose lease has run out. */
  lost: `SELECT r.run_id AS runId, r.generation, r.worker_id AS workerId
    FROM conclave_runs r INDEXED BY conclave_runs_owner
    WHERE r.status = 'running' AND NOT EXISTS (SELECT 1 FROM conclave_workers w
      WHERE w.worker_id = r.worker_id AND w.lease_expires_at > @now)
    ORDER BY r.seq`,
  forget: "DELETE FROM conclave_workers WHERE lease_expires_at < ?",
} as const;

/** Cron statements. */
export const CRON_SQL = {
  get: `SELECT ${CRON_COLUMNS} FROM conclave_crons WHERE tenant = ? AND cron_id = ?`,
  insert: `INSERT INTO conclave_crons (tenant, cron_id, assistant_id, thread_id, schedule,
      time_zone, kwargs, metadata, enabled, next_run_at, end_time, last_run_at, created_at,
      updated_at)
    VALUES (@tenant, @cronId, @assistantId, @threadId, @schedule, @timeZone, @kwargs, @metadata,
      @enabled, @nextRunAt, @endTime, @lastRunAt, @createdAt, @updatedAt)`,
  replace: `UPDATE conclave_crons SET assistant_id = @assistantId, thread_id = @threadId,
      schedule = @schedule, time_zone = @timeZone, kwargs = @kwargs, metadata = @metadata,
      enabled = @enabled, next_run_at = @nextRunAt, end_time = @endTime,
      last_run_at = @lastRunAt, updated_at = @updatedAt
    WHERE tenant = @tenant AND cron_id = @cronId`,
  delete: "DELETE FROM conclave_crons WHERE tenant = ? AND cron_id = ?",
  due: `SELECT ${CRON_COLUMNS} FROM conclave_crons
    WHERE enabled = 1 AND next_run_at <= ? ORDER BY next_run_at, rowid LIMIT ?`,
  /** Compare-and-set on `next_run_at`: only one scheduler wins a firing. */
  advance: `UPDATE conclave_crons SET last_run_at = @firedAt,
      next_run_at = COALESCE(@nextRunAt, next_run_at),
      enabled = CASE WHEN @nextRunAt IS NULL THEN 0 ELSE enabled END, updated_at = @now
    WHERE tenant = @tenant AND cron_id = @cronId AND next_run_at = @firedAt`,
} as const;
