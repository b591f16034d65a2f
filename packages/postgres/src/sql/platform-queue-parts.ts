/**
 * Building blocks of the run queue's SQL, shared by its statement files. See
 * `platform-queue-statements.ts` for the locking rules they implement.
 */
import { RUN_FIELDS, selectList } from "./platform-columns.ts";

/** The statuses of a run that holds its thread's line. */
export const ACTIVE = `('pending', 'running')`;

/** The placeholder of a run field in a statement whose first parameters are a run row. */
export const at = (field: (typeof RUN_FIELDS)[number]) => `$${RUN_FIELDS.indexOf(field) + 1}`;

/** The JSON of a wake-up event about run alias `r` (see core's `WakeEvent`). */
export const events = {
  pending: (r: string) =>
    `json_build_object('kind', 'run.pending', 'tenant', ${r}.tenant, 'runId', ${r}.run_id, 'graphId', ${r}.graph_id)`,
  cancel: (r: string) =>
    `json_build_object('kind', 'run.cancel', 'tenant', ${r}.tenant, 'runId', ${r}.run_id, 'action', ${r}.cancel_action)`,
  finished: (r: string, status = `${r}.status`) =>
    `json_build_object('kind', 'run.finished', 'tenant', ${r}.tenant, 'runId', ${r}.run_id, 'status', ${status})`,
  /** `run.finished` when run `r` died, else `run.pending` (a release or sweep). */
  requeuedOrDead: (r: string) =>
    `CASE WHEN ${r}.status = 'dead' THEN ${events.finished(r)} ELSE ${events.pending(r)} END`,
};

/** The parts, bound to one quoted schema and wake-up channel. */
export interface QueueParts {
  s: string;
  runs: string;
  threads: string;
  /** `pg_notify` of `event` (a json expression) on the schema's channel. */
  notify: (event: string) => string;
  /** The run columns of `alias`, named as core's `RunRow`. */
  all: (alias: string) => string;
  /** A CTE `target` locking the thread of the run matching `where`, before the run is touched. */
  target: (where: string) => string;
  /** A CTE `thread` freeing the thread of each run in CTE `run`; `ended` says it ended. */
  settle: (ended: string, now: string, last: string, busy: string) => string;
  /** The final SELECT: the runs of CTE `run`, once CTEs `thread` and `wake` ran. */
  result: string;
}

/** The parts for schema `s` (already quoted), notifying on `channel`. */
export function queueParts(s: string, channel: string): QueueParts {
  const runs = `${s}.conclave_runs`;
  const threads = `${s}.conclave_threads`;
  const all = (alias: string) => selectList(RUN_FIELDS, alias);
  return {
    s,
    runs,
    threads,
    notify: (event) => `pg_notify('${channel}', (${event})::text)`,
    all,
    target: (where) => `target AS MATERIALIZED (
      SELECT 1 FROM ${threads} t WHERE (t.tenant, t.thread_id) =
        (SELECT tenant, thread_id FROM ${runs} WHERE ${where}) FOR UPDATE)`,
    settle: (ended, now, last, busy) => `thread AS (
      UPDATE ${threads} t SET active_runs = t.active_runs - CASE WHEN ${ended} THEN 1 ELSE 0 END,
        status = CASE WHEN NOT (${ended}) THEN t.status WHEN t.active_runs > 1 THEN ${busy}
          ELSE ${last} END,
        running_run_id = CASE WHEN t.running_run_id = run.run_id THEN NULL ELSE t.running_run_id END,
        updated_at = CASE WHEN ${ended} THEN ${now} ELSE t.updated_at END
      FROM run WHERE t.tenant = run.tenant AND t.thread_id = run.thread_id RETURNING 1)`,
    result: `SELECT ${all("run")} FROM run,
      (SELECT count(*) FROM thread) AS th, (SELECT count(*) FROM wake) AS w`,
  };
}
