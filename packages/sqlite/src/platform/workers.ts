/**
 * Worker leases and the sweeper on SQLite. A worker's lease covers all its runs, so a
 * heartbeat updates one worker row and never touches run rows. The sweeper gives back the runs
 * of workers whose lease ran out (or that are gone) in one IMMEDIATE transaction, so every
 * worker can sweep at once and each lost run is recovered exactly once.
 */
import {
  type CancelAction,
  checkId,
  type Fence,
  type HeartbeatResult,
  iso,
  type SweepResult,
  type Worker,
  type WorkerInfo,
  type WorkerRegistry,
} from "@conclave/core";
import { WORKER_SQL } from "../sql/platform-statements.ts";
import type { PlatformDb } from "./platform-db.ts";
import { releaseIn } from "./run-transitions.ts";

/** Workers whose lease expired this long ago are forgotten by the sweeper. */
const FORGET_WORKERS_AFTER_MS = 3_600_000;

interface WorkerRow {
  workerId: string;
  graphIds: string;
  concurrency: number;
  hostname: string | null;
  pid: number | null;
  startedAt: number;
  heartbeatAt: number;
  leaseExpiresAt: number;
}

function workerFromRow(row: WorkerRow): Worker {
  const worker: Worker = {
    workerId: row.workerId,
    graphIds: JSON.parse(row.graphIds),
    concurrency: row.concurrency,
    startedAt: iso(row.startedAt),
    heartbeatAt: iso(row.heartbeatAt),
    leaseExpiresAt: iso(row.leaseExpiresAt),
  };
  if (row.hostname !== null) worker.hostname = row.hostname;
  if (row.pid !== null) worker.pid = row.pid;
  return worker;
}

/** The {@link WorkerRegistry} of the SQLite platform store. */
export class SqliteWorkers implements WorkerRegistry {
  readonly #db: PlatformDb;

  constructor(db: PlatformDb) {
    this.#db = db;
  }

  async register(info: WorkerInfo, now: Date, leaseMs: number): Promise<Worker> {
    const params = {
      workerId: checkId(info.workerId, "workerId"),
      graphIds: JSON.stringify(info.graphIds),
      concurrency: info.concurrency,
      hostname: info.hostname ?? null,
      pid: info.pid ?? null,
      now: now.getTime(),
      expires: now.getTime() + leaseMs,
    };
    return this.#db.write(() =>
      workerFromRow(this.#db.stmt(WORKER_SQL.upsert).get(params) as WorkerRow),
    );
  }

  async heartbeat(
    workerId: string,
    now: Date,
    leaseMs: number,
    held: Fence[],
  ): Promise<HeartbeatResult> {
    const params = { workerId, now: now.getTime(), expires: now.getTime() + leaseMs };
    return this.#db.write(() => {
      const registered = this.#db.stmt(WORKER_SQL.renew).run(params).changes === 1;
      const lost: string[] = [];
      const cancel: { runId: string; action: CancelAction }[] = [];
      for (const fence of held) {
        const run = this.#db.stmt(WORKER_SQL.held).get(fence.runId) as
          | {
              status: string;
              generation: number;
              workerId: string | null;
              cancelAction: CancelAction | null;
            }
          | undefined;
        const owned =
          registered &&
          run?.status === "running" &&
          run.generation === fence.generation &&
          run.workerId === workerId;
        if (!owned) lost.push(fence.runId);
        else if (run.cancelAction !== null)
          cancel.push({ runId: fence.runId, action: run.cancelAction });
      }
      return { lost, cancel };
    });
  }

  async deregister(workerId: string): Promise<void> {
    this.#db.write(() => this.#db.stmt(WORKER_SQL.delete).run(workerId));
  }

  async list(_now: Date): Promise<Worker[]> {
    return (this.#db.stmt(WORKER_SQL.list).all() as WorkerRow[]).map(workerFromRow);
  }

  async sweep(now: Date): Promise<SweepResult> {
    return this.#db.write(() => {
      const requeued: string[] = [];
      const dead: string[] = [];
      const lost = this.#db.stmt(WORKER_SQL.lost).all({ now: now.getTime() }) as Array<
        Fence & { workerId: string | null }
      >;
      for (const { runId, generation, workerId } of lost) {
        const error = {
          code: "WORKER_LOST",
          message: `Worker ${workerId} stopped heartbeating while running this run.`,
        };
        const after = releaseIn(this.#db, { runId, generation }, error, now, now);
        (after.status === "dead" ? dead : requeued).push(runId);
      }
      this.#db.stmt(WORKER_SQL.forget).run(now.getTime() - FORGET_WORKERS_AFTER_MS);
      return { requeued, dead };
    });
  }
}
