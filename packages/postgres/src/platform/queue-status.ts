/**
 * Folds the grouped rows of the `queueStatus` statement (one per tenant, graph, status and
 * priority) into core's {@link QueueStatus}. Pure.
 */
import type { QueueStatus } from "@conclave/core";

/** One group of the `queueStatus` statement. */
export interface StatusRow {
  tenant: string;
  graphId: string;
  status: "pending" | "running" | "dead";
  priority: number;
  n: number;
  /** Pending runs of the group not yet due. */
  delayed: number;
  /** The oldest `run_at` of the group's due pending runs (bigint ms, as text), or null. */
  oldestRunAt: string | number | null;
  stranded: number;
}

function bucket(
  counts: Record<string, { pending: number; running: number }>,
  key: string,
): { pending: number; running: number } {
  counts[key] ??= { pending: 0, running: 0 };
  return counts[key];
}

function emptyStatus(): QueueStatus {
  return {
    pending: 0,
    delayed: 0,
    running: 0,
    dead: 0,
    oldestWaitingMs: null,
    byGraph: {},
    byTenant: {},
    byPriority: {},
    stranded: 0,
  };
}

/** The queue status at `now` from the grouped rows. Pure. */
export function tallyStatus(rows: StatusRow[], now: Date): QueueStatus {
  const status = emptyStatus();
  for (const row of rows) {
    if (row.status === "dead") {
      status.dead += row.n;
      continue;
    }
    bucket(status.byGraph, row.graphId)[row.status] += row.n;
    bucket(status.byTenant, row.tenant)[row.status] += row.n;
    if (row.status === "running") {
      status.running += row.n;
      continue;
    }
    status.pending += row.n;
    status.delayed += row.delayed;
    status.stranded += row.stranded;
    const priority = String(row.priority);
    status.byPriority[priority] = (status.byPriority[priority] ?? 0) + row.n;
    if (row.oldestRunAt !== null) {
      const waited = now.getTime() - Number(row.oldestRunAt);
      status.oldestWaitingMs = Math.max(status.oldestWaitingMs ?? 0, waited);
    }
  }
  return status;
}
