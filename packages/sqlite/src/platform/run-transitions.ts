/**
 * The run transitions several operations share, each run inside the caller's write
 * transaction: a run ends (its thread is settled), a run is cancelled, a claimed run is given
 * back (pending again, or dead once out of attempts). They queue their wake-ups on the
 * PlatformDb, which delivers them after the commit.
 *
 * Run states: pending -> running (claim) -> success | error | timeout | interrupted |
 * cancelled (finish); running -> pending (release, sweep) or dead (out of attempts);
 * pending -> cancelled (cancel; deleted for rollback); ended -> pending (retry).
 *
 * Every transition into or out of pending is followed by {@link refreshHead}, which keeps the
 * one invariant the claim index relies on: a run has `head = 1` exactly when it is its
 * thread's oldest pending run, and the thread's `head_seq` names it.
 */
import {
  type CancelAction,
  type Fence,
  LeaseLostError,
  type Run,
  type RunOutcome,
  type RunRow,
  runFromRow,
  threadStatusAfter,
} from "@conclave/core";
import { RUN_SQL } from "../sql/platform-run-statements.ts";
import type { PlatformDb } from "./platform-db.ts";

/**
 * Moves the thread's line head to its oldest pending run (or to none). Reads one thread row
 * and one index entry, and writes only when the head changed: O(log n) however long the line.
 */
export function refreshHead(db: PlatformDb, tenant: string, threadId: string): void {
  const key = { tenant, threadId };
  const head = db.stmt(RUN_SQL.lineHead).get(key) as
    | { current: number | null; next: number | null }
    | undefined;
  if (head === undefined || head.current === head.next) return;
  if (head.current !== null) db.stmt(RUN_SQL.unmarkHead).run(head.current);
  if (head.next !== null) db.stmt(RUN_SQL.markHead).run(head.next);
  db.stmt(RUN_SQL.setHeadSeq).run({ ...key, seq: head.next });
}

/** The thread state a finished run reports; absent fields keep the cached ones. */
export interface ThreadCache {
  values?: unknown;
  interrupts?: Record<string, unknown>;
}

/**
 * Sets the thread's status after `run` ended (busy while other runs wait on it), frees it if
 * the run held it, and caches what the run reported.
 */
export function settleThread(
  db: PlatformDb,
  run: Pick<Run, "tenant" | "threadId" | "runId">,
  outcome: RunOutcome["status"] | "dead",
  now: Date,
  cache: ThreadCache = {},
): void {
  const key = { tenant: run.tenant, threadId: run.threadId, runId: run.runId };
  const others = db.stmt(RUN_SQL.othersActive).get(key) as { busy: number } | undefined;
  db.stmt(RUN_SQL.settleThread).run({
    ...key,
    status: threadStatusAfter(outcome, others?.busy === 1),
    hasValues: cache.values === undefined ? 0 : 1,
    values: cache.values === undefined ? null : JSON.stringify(cache.values),
    interrupts: cache.interrupts === undefined ? null : JSON.stringify(cache.interrupts),
    now: now.getTime(),
  });
}

/**
 * Cancels an active run: a running one is flagged for its worker (`run.cancel`); a pending one
 * ends cancelled at once, or is deleted for rollback (`run.finished` either way).
 */
export function cancelIn(db: PlatformDb, run: Run, action: CancelAction, now: Date): void {
  const { tenant, runId } = run;
  if (run.status === "running") {
    db.stmt(RUN_SQL.flagCancel).run({ runId, action, now: now.getTime() });
    db.emit({ kind: "run.cancel", tenant, runId, action });
    return;
  }
  if (action === "rollback") db.stmt(RUN_SQL.delete).run(runId);
  else db.stmt(RUN_SQL.cancelPending).run({ runId, now: now.getTime() });
  refreshHead(db, tenant, run.threadId);
  settleThread(db, run, "cancelled", now);
  db.emit({ kind: "run.finished", tenant, runId, status: "cancelled" });
}

/** The claim's attempt counts, if `fence` is the run's current claim; else LEASE_LOST. */
function ownedAttempts(db: PlatformDb, fence: Fence): { attempt: number; maxAttempts: number } {
  const owned = db.stmt(RUN_SQL.owned).get(fence.runId, fence.generation) as
    | { attempt: number; maxAttempts: number }
    | undefined;
  if (owned === undefined) throw new LeaseLostError(fence);
  return owned;
}

/**
 * Gives a claimed run back: pending again at `retryAt` (`run.pending`), or dead with `error`
 * when it has used all its attempts (`run.finished`). Fails with LEASE_LOST for a stale fence.
 */
export function releaseIn(
  db: PlatformDb,
  fence: Fence,
  error: Run["error"],
  retryAt: Date,
  now: Date,
): Run {
  const owned = ownedAttempts(db, fence);
  const params = {
    runId: fence.runId,
    error: error === null ? null : JSON.stringify(error),
    runAt: retryAt.getTime(),
    now: now.getTime(),
  };
  if (owned.attempt >= owned.maxAttempts) {
    const run = runFromRow(db.stmt(RUN_SQL.kill).get(params) as RunRow);
    settleThread(db, run, "dead", now);
    db.emit({ kind: "run.finished", tenant: run.tenant, runId: run.runId, status: "dead" });
    return run;
  }
  const run = runFromRow(db.stmt(RUN_SQL.requeue).get(params) as RunRow);
  db.stmt(RUN_SQL.freeThread).run({ tenant: run.tenant, threadId: run.threadId, runId: run.runId });
  refreshHead(db, run.tenant, run.threadId);
  db.emit({ kind: "run.pending", tenant: run.tenant, runId: run.runId, graphId: run.graphId });
  return run;
}
