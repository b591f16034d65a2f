import { fileURLToPath } from "node:url";
import type { CheckpointConfig, CheckpointSaver, Run } from "@conclave/core";
import { PostgresPlatformStore } from "@conclave/postgres";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { newRun } from "../../../test/contracts/platform-queue.contract.ts";
import { checkpointOf, meta } from "../../../test/support/checkpoints.ts";
import { startPlatformChild } from "../../../test/support/platform-child.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";

let db: TestDatabase | undefined;
let schemas = 0;
beforeAll(async () => {
  db = await createTestDatabase("platform_race");
});
afterAll(async () => {
  await db?.drop();
});

const LEASE = 30_000;
const open = (schema: string) => PostgresPlatformStore.fromConnString(db!.url, { schema });

/** Two stores (two pools) on one fresh schema; `body` gets both, both are closed after. */
async function withTwo(
  body: (a: PostgresPlatformStore, b: PostgresPlatformStore, schema: string) => Promise<void>,
) {
  const schema = `race_${++schemas}`;
  const a = open(schema);
  const b = open(schema);
  try {
    await a.setup();
    await body(a, b, schema);
  } finally {
    await a.close();
    await b.close();
  }
}

/** Claims and finishes runs until none is left; returns the claims it made. */
async function drain(store: PostgresPlatformStore, workerId: string): Promise<Run[]> {
  const claims: Run[] = [];
  for (;;) {
    const runs = await store.runs.claim({ workerId, limit: 4, now: new Date() });
    claims.push(...runs);
    for (const run of runs) {
      await store.runs.finish(
        { runId: run.runId, generation: run.generation },
        { status: "success" },
        new Date(),
      );
    }
    if (runs.length > 0) continue;
    const { pending, running } = await store.runs.status(new Date());
    if (pending === 0 && running === 0) return claims;
  }
}

/** Reports thread invariants broken at any instant: two running runs, or one that jumped the line. */
function monitor(pool: pg.Pool, schema: string) {
  const runs = `"${schema}".conclave_runs`;
  const check = `SELECT
      (SELECT count(*) FROM (SELECT 1 FROM ${runs} WHERE status = 'running'
        GROUP BY tenant, thread_id HAVING count(*) > 1) d)::int AS doubled,
      (SELECT count(*) FROM ${runs} r WHERE r.status = 'running' AND EXISTS (SELECT 1 FROM ${runs} o
        WHERE o.tenant = r.tenant AND o.thread_id = r.thread_id AND o.status = 'pending'
          AND o.seq < r.seq))::int AS jumped`;
  let stop = false;
  const done = (async () => {
    const seen = { checks: 0, doubled: 0, jumped: 0 };
    while (!stop) {
      const { rows } = await pool.query<{ doubled: number; jumped: number }>(check);
      seen.checks++;
      seen.doubled += rows[0]!.doubled;
      seen.jumped += rows[0]!.jumped;
    }
    return seen;
  })();
  return async () => {
    stop = true;
    return done;
  };
}

describe("PostgresPlatformStore: two pools racing", () => {
  it("gives each run to exactly one worker, one run per thread at a time, in line", () =>
    withTwo(async (a, b, schema) => {
      const T = new Date();
      for (let i = 0; i < 100; i++)
        await a.runs.enqueue(newRun(`r${i}`, { threadId: `t${i % 20}` }), T);
      await a.workers.register({ workerId: "wa", graphIds: ["agent"], concurrency: 4 }, T, LEASE);
      await b.workers.register({ workerId: "wb", graphIds: ["agent"], concurrency: 4 }, T, LEASE);
      const stopMonitor = monitor(a.pool, schema);
      const [one, two] = await Promise.all([drain(a, "wa"), drain(b, "wb")]);
      const seen = await stopMonitor();
      const ids = [...one, ...two].map((r) => r.runId);
      expect(ids.length).toBe(100);
      expect(new Set(ids).size).toBe(100);
      expect(one.length).toBeGreaterThan(0);
      expect(two.length).toBeGreaterThan(0);
      expect(seen.checks).toBeGreaterThan(0);
      expect(seen).toMatchObject({ doubled: 0, jumped: 0 });
      const runs = await a.runs.list({ tenant: "acme", limit: 1000 });
      expect(runs.every((r) => r.status === "success" && r.generation === 1)).toBe(true);
    }));

  it("rejects a stale worker's checkpoint writes and finish, atomically with the takeover", () =>
    withTwo(async (a, b) => {
      const T0 = new Date("2026-11-22T10:00:00.000Z");
      await a.runs.enqueue(newRun("r1", { threadId: "t" }), T0);
      await a.workers.register({ workerId: "wa", graphIds: ["agent"], concurrency: 1 }, T0, LEASE);
      const [held] = await a.runs.claim({ workerId: "wa", limit: 1, now: T0 });
      const stale = { runId: "r1", generation: held!.generation };
      // wa keeps writing checkpoints until its fence is refused.
      const writer = writeUntilRefused(a.fencedSaver(stale), "t");
      await vi.waitFor(() => expect(writer.stored()).toBeGreaterThanOrEqual(3));
      // Meanwhile wb (another pool) finds wa's lease lapsed, requeues r1 and claims it.
      const later = new Date(T0.getTime() + LEASE + 1);
      await b.workers.register(
        { workerId: "wb", graphIds: ["agent"], concurrency: 1 },
        later,
        LEASE,
      );
      expect((await b.workers.sweep(later)).requeued).toEqual(["r1"]);
      const [taken] = await b.runs.claim({ workerId: "wb", limit: 1, now: later });
      expect(taken?.generation).toBe(stale.generation + 1);
      const refused = await writer.done;
      expect(refused).toMatchObject({ code: "LEASE_LOST" });
      // Every write that returned is stored; the refused one left nothing.
      expect((await b.saver.stats("t")).checkpoints).toBe(writer.stored());
      const last = writer.last()!;
      await expect(
        a.fencedSaver(stale).putWrites(last, [["n", 1]], "task-1"),
      ).rejects.toMatchObject({ code: "LEASE_LOST" });
      expect((await b.saver.stats("t")).writes).toBe(0);
      await expect(a.runs.finish(stale, { status: "success" }, later)).rejects.toMatchObject({
        code: "LEASE_LOST",
      });
      expect(await a.workers.heartbeat("wa", later, LEASE, [stale])).toEqual({
        lost: ["r1"],
        cancel: [],
      });
      const current = { runId: "r1", generation: taken!.generation };
      await b.fencedSaver(current).putWrites(last, [["n", 2]], "task-2");
      await b.runs.finish(current, { status: "success" }, later);
      expect(await b.runs.get("acme", "r1")).toMatchObject({ status: "success", workerId: "wb" });
    }));
});

/** Puts checkpoints one after another through `saver` until one is refused (or 5,000 pass). */
function writeUntilRefused(saver: CheckpointSaver, thread: string) {
  let stored = 0;
  let last: CheckpointConfig | undefined;
  const done = (async () => {
    for (let step = -1; step < 5000; step++) {
      const config: CheckpointConfig = {
        configurable: { thread_id: thread, checkpoint_ns: "", ...last?.configurable },
      };
      try {
        last = await saver.put(config, checkpointOf({ n: step }, { n: step + 1 }), meta(step));
        stored++;
      } catch (error) {
        return error;
      }
    }
    return new Error("the fenced saver never refused a write");
  })();
  return { done, stored: () => stored, last: () => last };
}

const workerScript = fileURLToPath(new URL("./platform-worker.ts", import.meta.url));

/** Starts platform-worker.ts; `ready` once it registered, `finished` with the runs it ended. */
function startWorker(schema: string, workerId: string) {
  return startPlatformChild(workerScript, [db!.url, schema], workerId);
}

describe("PostgresPlatformStore across processes", () => {
  it("two processes claim and finish 200 runs: each exactly once, one per thread at a time", () =>
    withTwo(async (a, _b, schema) => {
      const T = new Date();
      // Five runs on each of 40 threads, so the processes also contend for each thread's line.
      for (let i = 0; i < 200; i++)
        await a.runs.enqueue(newRun(`r${i}`, { threadId: `t${i % 40}` }), T);
      const workers = [startWorker(schema, "p1"), startWorker(schema, "p2")];
      await Promise.all(workers.map((w) => w.ready));
      const stopMonitor = monitor(a.pool, schema);
      for (const w of workers) w.go();
      const [one, two] = await Promise.all(workers.map((w) => w.finished));
      const seen = await stopMonitor();
      const all = [...one!, ...two!];
      expect(all.length).toBe(200);
      expect(new Set(all).size).toBe(200);
      expect(seen).toMatchObject({ doubled: 0, jumped: 0 });
      const runs = await a.runs.list({ tenant: "acme", limit: 1000 });
      expect(runs.length).toBe(200);
      expect(runs.every((r) => r.status === "success" && r.attempt === 1)).toBe(true);
      expect(await a.threads.get("acme", "t0")).toMatchObject({ status: "idle", values: { n: 1 } });
      // Each run wrote its checkpoints on its thread through the fenced saver.
      expect((await a.saver.stats("t0")).checkpoints).toBeGreaterThanOrEqual(5);
    }));
});
