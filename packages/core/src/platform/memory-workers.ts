/**
 * The worker registry of the in-memory platform store: worker leases (one per worker, so
 * heartbeats never touch run rows) and the sweeper that recovers runs of lost workers.
 */
import { MemoryRunQueue, type QueueContext } from "./memory-run-queue.ts";
import type { WorkerRegistry } from "./store.ts";
import type { CancelAction, Fence, Worker, WorkerInfo } from "./types.ts";

const copy = <T>(value: T): T => structuredClone(value);
const FORGET_WORKERS_AFTER_MS = 3_600_000;

export class MemoryWorkerRegistry implements WorkerRegistry {
  private readonly ctx: QueueContext;
  constructor(ctx: QueueContext) {
    this.ctx = ctx;
  }

  async register(info: WorkerInfo, now: Date, leaseMs: number) {
    const at = now.toISOString();
    const previous = this.ctx.workers.get(info.workerId);
    const worker: Worker = {
      ...copy(info),
      startedAt: previous?.startedAt ?? at,
      heartbeatAt: at,
      leaseExpiresAt: new Date(now.getTime() + leaseMs).toISOString(),
    };
    this.ctx.workers.set(info.workerId, worker);
    return copy(worker);
  }

  async heartbeat(workerId: string, now: Date, leaseMs: number, held: Fence[]) {
    const worker = this.ctx.workers.get(workerId);
    if (worker) {
      worker.heartbeatAt = now.toISOString();
      worker.leaseExpiresAt = new Date(now.getTime() + leaseMs).toISOString();
    }
    const lost: string[] = [];
    const cancel: { runId: string; action: CancelAction }[] = [];
    for (const fence of held) {
      const run = this.ctx.state.runs.get(fence.runId);
      const owned =
        worker &&
        run?.status === "running" &&
        run.generation === fence.generation &&
        run.workerId === workerId;
      if (!owned) lost.push(fence.runId);
      else if (run.cancelAction) cancel.push({ runId: run.runId, action: run.cancelAction });
    }
    return { lost, cancel };
  }

  async deregister(workerId: string) {
    this.ctx.workers.delete(workerId);
  }

  async list(_now: Date) {
    return [...this.ctx.workers.values()].map(copy);
  }

  async sweep(now: Date) {
    const requeued: string[] = [];
    const dead: string[] = [];
    const live = (id: string | null) => {
      const worker = id === null ? undefined : this.ctx.workers.get(id);
      return worker !== undefined && Date.parse(worker.leaseExpiresAt) > now.getTime();
    };
    const queue = new MemoryRunQueue(this.ctx);
    for (const run of this.ctx.state.runs.values()) {
      if (run.status !== "running" || live(run.workerId)) continue;
      const error = {
        code: "WORKER_LOST",
        message: `Worker ${run.workerId} stopped heartbeating while running this run.`,
      };
      const after = await queue.release(
        { runId: run.runId, generation: run.generation },
        error,
        now,
        now,
      );
      (after.status === "dead" ? dead : requeued).push(run.runId);
    }
    for (const [id, worker] of this.ctx.workers) {
      if (Date.parse(worker.leaseExpiresAt) + FORGET_WORKERS_AFTER_MS < now.getTime())
        this.ctx.workers.delete(id);
    }
    return { requeued, dead };
  }
}
