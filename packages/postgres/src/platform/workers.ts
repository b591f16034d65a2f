/**
 * The worker registry in PostgreSQL. A lease lives on the worker's row only, so a heartbeat is
 * one small UPDATE however many runs the worker holds; a run's lease is its worker's. The
 * sweeper is one statement that skips rows other transactions hold, so every worker may run it
 * at once and each lost run is recovered by exactly one of them.
 */
import {
  type CancelAction,
  type Fence,
  type HeartbeatResult,
  iso,
  type SweepResult,
  threadStatusAfter,
  type Worker,
  type WorkerInfo,
  type WorkerRegistry,
} from "@conclave/core";
import type { PlatformDb } from "./platform-db.ts";

/** Workers whose lease ended this long ago are forgotten by the sweeper. */
const FORGET_WORKERS_AFTER_MS = 3_600_000;
/** The WORKER_LOST message; %s is the worker id (filled in by the sweep statement). */
const WORKER_LOST_MESSAGE = "Worker %s stopped heartbeating while running this run.";

interface WorkerRow {
  workerId: string;
  graphIds: string;
  concurrency: number;
  hostname: string | null;
  pid: number | null;
  startedAt: string;
  heartbeatAt: string;
  leaseExpiresAt: string;
}

function workerFromRow(row: WorkerRow): Worker {
  return {
    workerId: row.workerId,
    graphIds: JSON.parse(row.graphIds),
    concurrency: row.concurrency,
    ...(row.hostname === null ? {} : { hostname: row.hostname }),
    ...(row.pid === null ? {} : { pid: row.pid }),
    startedAt: iso(row.startedAt),
    heartbeatAt: iso(row.heartbeatAt),
    leaseExpiresAt: iso(row.leaseExpiresAt),
  };
}

/** The {@link WorkerRegistry} of {@link PostgresPlatformStore}. */
export class PostgresWorkers implements WorkerRegistry {
  readonly #db: PlatformDb;

  constructor(db: PlatformDb) {
    this.#db = db;
  }

  async register(info: WorkerInfo, now: Date, leaseMs: number): Promise<Worker> {
    const [row] = await this.#db.rows<WorkerRow>("workerRegister", [
      info.workerId,
      JSON.stringify(info.graphIds),
      info.concurrency,
      info.hostname ?? null,
      info.pid ?? null,
      now.getTime(),
      now.getTime() + leaseMs,
    ]);
    return workerFromRow(row!);
  }

  /** One statement: renews the lease and reads the held runs' ownership and cancel requests. */
  async heartbeat(
    workerId: string,
    now: Date,
    leaseMs: number,
    held: Fence[],
  ): Promise<HeartbeatResult> {
    const rows = await this.#db.rows<{
      runId: string;
      owned: boolean;
      cancelAction: CancelAction | null;
    }>("heartbeat", [
      workerId,
      now.getTime(),
      now.getTime() + leaseMs,
      held.map((f) => f.runId),
      held.map((f) => f.generation),
    ]);
    const result: HeartbeatResult = { lost: [], cancel: [] };
    for (const row of rows) {
      if (!row.owned) result.lost.push(row.runId);
      else if (row.cancelAction !== null)
        result.cancel.push({ runId: row.runId, action: row.cancelAction });
    }
    return result;
  }

  async deregister(workerId: string): Promise<void> {
    await this.#db.query("workerDelete", [workerId]);
  }

  async list(_now: Date): Promise<Worker[]> {
    return (await this.#db.rows<WorkerRow>("workerList", [])).map(workerFromRow);
  }

  async sweep(now: Date): Promise<SweepResult> {
    const rows = await this.#db.rows<{ runId: string; status: string }>("sweep", [
      now.getTime(),
      WORKER_LOST_MESSAGE,
      threadStatusAfter("dead", false),
      threadStatusAfter("dead", true),
      now.getTime() - FORGET_WORKERS_AFTER_MS,
    ]);
    const result: SweepResult = { requeued: [], dead: [] };
    for (const row of rows) (row.status === "dead" ? result.dead : result.requeued).push(row.runId);
    await this.#db.query("refreshStatistics", []);
    return result;
  }
}
