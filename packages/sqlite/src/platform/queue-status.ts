/**
 * Queue depths and ages for dashboards and autoscaling. Three grouped reads on one snapshot:
 * pending runs and running runs (each through its partial index) and the
 * dead count, so the cost follows the queue's size, not the run history's.
 */
import type { QueueStatus } from "@conclave/core";
import { QUEUE_STATUS_SQL } from "../sql/platform-run-statements.ts";
import type { PlatformDb } from "./platform-db.ts";

interface PendingGroup {
  tenant: string;
  graphId: string;
  priority: number;
  due: number;
  n: number;
  oldest: number;
  stranded: number;
}

interface RunningGroup {
  tenant: string;
  graphId: string;
  n: number;
}

type Counts = Record<string, { pending: number; running: number }>;

function bucket(counts: Counts, key: string): { pending: number; running: number } {
  counts[key] ??= { pending: 0, running: 0 };
  return counts[key];
}

/** The queue's status at `now`, of one tenant or of all. Reads only. */
export function queueStatus(db: PlatformDb, now: Date, tenant?: string): QueueStatus {
  const params = { now: now.getTime(), tenant: tenant ?? null };
  return db.read(() => {
    const status: QueueStatus = {
      pending: 0,
      delayed: 0,
      running: 0,
      dead: (db.stmt(QUEUE_STATUS_SQL.dead).get(params) as { n: number }).n,
      oldestWaitingMs: null,
      byGraph: {},
      byTenant: {},
      byPriority: {},
      stranded: 0,
    };
    for (const group of db.stmt(QUEUE_STATUS_SQL.pending).all(params) as PendingGroup[]) {
      addPending(status, group, params.now);
    }
    for (const group of db.stmt(QUEUE_STATUS_SQL.running).all(params) as RunningGroup[]) {
      status.running += group.n;
      bucket(status.byGraph, group.graphId).running += group.n;
      bucket(status.byTenant, group.tenant).running += group.n;
    }
    return status;
  });
}

function addPending(status: QueueStatus, group: PendingGroup, now: number): void {
  status.pending += group.n;
  status.stranded += group.stranded;
  bucket(status.byGraph, group.graphId).pending += group.n;
  bucket(status.byTenant, group.tenant).pending += group.n;
  const priority = String(group.priority);
  status.byPriority[priority] = (status.byPriority[priority] ?? 0) + group.n;
  if (group.due === 0) {
    status.delayed += group.n;
    return;
  }
  status.oldestWaitingMs = Math.max(status.oldestWaitingMs ?? 0, now - group.oldest);
}
