/**
 * The contract of the run queue: enqueue with idempotency and multitask strategies, claims
 * (one running run per thread, FIFO within a thread, priority across threads, delays, limits,
 * races), fencing, finish and release, cancel and retry, worker leases and the sweeper, and
 * wake-ups. Every test gets a fresh, empty store.
 */
import {
  Annotation,
  type CheckpointSaver,
  type HeldWrites,
  type NewRun,
  type PlatformStore,
  StateGraph,
  type WakeEvent,
} from "@conclave/core";
import { describe, expect, it } from "vitest";
import { putChain } from "../support/checkpoints.ts";
import { at, type MakePlatform, T0, withStore } from "./platform-resources.contract.ts";

const LEASE = 30_000;

export function newRun(runId: string, over: Partial<NewRun> = {}): NewRun {
  return {
    tenant: "acme",
    runId,
    threadId: `thread-${runId}`,
    ifNotExists: "create",
    assistantId: "a1",
    graphId: "agent",
    assistantVersion: 1,
    kwargs: { input: { q: runId } },
    ...over,
  };
}

/**
 * Writes held the way the runtime holds a graph's final batch: by the saver's `holdBatch`
 * when it has one (the store may write them with the run's end), else as writes to make later.
 */
async function heldWrites(saver: CheckpointSaver, work: () => Promise<unknown>) {
  if (saver.holdBatch) return (await saver.holdBatch(work)).held!;
  const held: HeldWrites = { write: async () => void (await work()) };
  return held;
}

async function claimOne(store: PlatformStore, now = T0, workerId = "w1") {
  await store.workers.register({ workerId, graphIds: ["agent"], concurrency: 10 }, now, LEASE);
  const [run] = await store.runs.claim({ workerId, limit: 1, now });
  if (!run) throw new Error("expected a claim");
  return run;
}

export function platformQueueContract(name: string, make: MakePlatform): void {
  describe(`${name}: enqueue`, () => {
    it("inserts a pending run, creates its thread and marks it busy", () =>
      withStore(make, async (store) => {
        const { run, created, displaced } = await store.runs.enqueue(
          newRun("r1", { metadata: { m: 1 } }),
          T0,
        );
        expect(created).toBe(true);
        expect(displaced).toEqual([]);
        expect(run).toMatchObject({
          status: "pending",
          attempt: 0,
          generation: 0,
          priority: 0,
          multitaskStrategy: "enqueue",
          maxAttempts: 3,
          metadata: { m: 1 },
          kwargs: { input: { q: "r1" } },
        });
        expect(await store.runs.get("acme", "r1")).toEqual(run);
        expect((await store.threads.get("acme", "thread-r1"))?.status).toBe("busy");
      }));

    it("returns the earlier run for a repeated idempotency key", () =>
      withStore(make, async (store) => {
        const first = await store.runs.enqueue(newRun("r1", { idempotencyKey: "k" }), T0);
        const again = await store.runs.enqueue(newRun("r2", { idempotencyKey: "k" }), T0);
        expect(again.created).toBe(false);
        expect(again.run.runId).toBe(first.run.runId);
        expect(await store.runs.get("acme", "r2")).toBeUndefined();
        // Keys are per tenant.
        const other = await store.runs.enqueue(
          newRun("r3", { idempotencyKey: "k", tenant: "globex" }),
          T0,
        );
        expect(other.created).toBe(true);
      }));

    it("fails for a missing thread unless asked to create it", () =>
      withStore(make, async (store) => {
        await expect(
          store.runs.enqueue(newRun("r1", { ifNotExists: "reject" }), T0),
        ).rejects.toMatchObject({
          code: "THREAD_NOT_FOUND",
        });
        expect(await store.runs.get("acme", "r1")).toBeUndefined();
      }));

    it("rejects bad input with what was wrong", () =>
      withStore(make, async (store) => {
        await expect(
          store.runs.enqueue(newRun("r1", { multitaskStrategy: "queue" as never }), T0),
        ).rejects.toThrow(
          /multitaskStrategy must be one of reject, enqueue, interrupt, rollback; got "queue"/,
        );
        await expect(store.runs.enqueue(newRun("r1", { maxAttempts: 0 }), T0)).rejects.toThrow(
          /maxAttempts must be an integer >= 1; got 0/,
        );
      }));
  });

  describe(`${name}: multitask strategies`, () => {
    const onThread = (runId: string, strategy: NewRun["multitaskStrategy"]) =>
      newRun(runId, { threadId: "t", multitaskStrategy: strategy });

    it("reject refuses a second run on a busy thread", () =>
      withStore(make, async (store) => {
        await store.runs.enqueue(onThread("r1", "enqueue"), T0);
        await expect(store.runs.enqueue(onThread("r2", "reject"), T0)).rejects.toMatchObject({
          code: "THREAD_BUSY",
        });
        expect(await store.runs.get("acme", "r2")).toBeUndefined();
      }));

    it("interrupt flags the running run and cancels the pending ones", () =>
      withStore(make, async (store) => {
        await store.runs.enqueue(onThread("r1", "enqueue"), T0);
        const running = await claimOne(store);
        await store.runs.enqueue(onThread("r2", "enqueue"), at(1));
        const { displaced } = await store.runs.enqueue(onThread("r3", "interrupt"), at(2));
        expect(displaced.map((r) => r.runId).sort()).toEqual(["r1", "r2"]);
        expect(await store.runs.get("acme", "r1")).toMatchObject({
          status: "running",
          cancelAction: "interrupt",
        });
        expect(await store.runs.get("acme", "r2")).toMatchObject({ status: "cancelled" });
        // r3 waits for r1 to stop.
        expect(await store.runs.claim({ workerId: "w1", limit: 5, now: at(3) })).toEqual([]);
        await store.runs.finish(
          { runId: running.runId, generation: running.generation },
          { status: "cancelled" },
          at(4),
        );
        const [next] = await store.runs.claim({ workerId: "w1", limit: 5, now: at(5) });
        expect(next?.runId).toBe("r3");
      }));

    it("rollback deletes the pending runs it displaces", () =>
      withStore(make, async (store) => {
        await store.runs.enqueue(onThread("r1", "enqueue"), T0);
        await claimOne(store);
        await store.runs.enqueue(onThread("r2", "enqueue"), at(1));
        await store.runs.enqueue(onThread("r3", "rollback"), at(2));
        expect(await store.runs.get("acme", "r1")).toMatchObject({ cancelAction: "rollback" });
        expect(await store.runs.get("acme", "r2")).toBeUndefined();
      }));
  });

  describe(`${name}: claims`, () => {
    it("runs one run per thread, first in line first, with a new generation each claim", () =>
      withStore(make, async (store) => {
        await store.runs.enqueue(newRun("r1", { threadId: "t" }), T0);
        await store.runs.enqueue(newRun("r2", { threadId: "t" }), at(1));
        await store.workers.register(
          { workerId: "w1", graphIds: ["agent"], concurrency: 10 },
          T0,
          LEASE,
        );
        const claimed = await store.runs.claim({ workerId: "w1", limit: 10, now: at(2) });
        expect(claimed.map((r) => r.runId)).toEqual(["r1"]);
        expect(claimed[0]).toMatchObject({
          status: "running",
          attempt: 1,
          generation: 1,
          workerId: "w1",
        });
        expect(claimed[0]?.startedAt).toBe(at(2).toISOString());
        await store.runs.finish(
          { runId: "r1", generation: 1 },
          { status: "success", values: { ok: 1 } },
          at(3),
        );
        const [second] = await store.runs.claim({ workerId: "w1", limit: 10, now: at(4) });
        expect(second?.runId).toBe("r2");
      }));

    it("orders by priority across threads and honours delays and graph filters", () =>
      withStore(make, async (store) => {
        await store.runs.enqueue(newRun("low"), T0);
        await store.runs.enqueue(newRun("high", { priority: 5 }), at(1));
        await store.runs.enqueue(newRun("later", { priority: 9, runAt: at(60_000) }), at(2));
        await store.runs.enqueue(newRun("other", { priority: 9, graphId: "other-graph" }), at(3));
        await store.workers.register(
          { workerId: "w1", graphIds: ["agent"], concurrency: 10 },
          T0,
          LEASE,
        );
        const claimed = await store.runs.claim({
          workerId: "w1",
          limit: 10,
          now: at(10),
          graphIds: ["agent"],
        });
        expect(claimed.map((r) => r.runId)).toEqual(["high", "low"]);
        const due = await store.runs.claim({
          workerId: "w1",
          limit: 10,
          now: at(60_000),
          graphIds: ["agent"],
        });
        expect(due.map((r) => r.runId)).toEqual(["later"]);
      }));

    it("keeps to the per-assistant and per-tenant limits across workers", () =>
      withStore(make, async (store) => {
        for (let i = 0; i < 4; i++) await store.runs.enqueue(newRun(`a${i}`), at(i));
        for (let i = 0; i < 4; i++)
          await store.runs.enqueue(newRun(`b${i}`, { assistantId: "a2" }), at(10 + i));
        await store.workers.register(
          { workerId: "w1", graphIds: ["agent"], concurrency: 10 },
          T0,
          LEASE,
        );
        await store.workers.register(
          { workerId: "w2", graphIds: ["agent"], concurrency: 10 },
          T0,
          LEASE,
        );
        const one = await store.runs.claim({
          workerId: "w1",
          limit: 10,
          now: at(20),
          maxPerAssistant: 2,
        });
        const two = await store.runs.claim({
          workerId: "w2",
          limit: 10,
          now: at(20),
          maxPerAssistant: 2,
        });
        const all = [...one, ...two].map((r) => r.runId).sort();
        expect(all).toEqual(["a0", "a1", "b0", "b1"]);
        const tenantCapped = await store.runs.claim({
          workerId: "w2",
          limit: 10,
          now: at(21),
          maxPerTenant: 5,
        });
        expect(tenantCapped.length).toBe(1);
      }));

    it("gives each run to exactly one of many racing claimers", () =>
      withStore(make, async (store) => {
        for (let i = 0; i < 20; i++) await store.runs.enqueue(newRun(`r${i}`), at(i));
        const workers = Array.from({ length: 8 }, (_, i) => `w${i}`);
        for (const workerId of workers)
          await store.workers.register(
            { workerId, graphIds: ["agent"], concurrency: 10 },
            T0,
            LEASE,
          );
        const batches = await Promise.all(
          workers.map((workerId) => store.runs.claim({ workerId, limit: 3, now: at(100) })),
        );
        const ids = batches.flat().map((r) => r.runId);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.length).toBe(20);
      }));
  });

  describe(`${name}: finish, release and fencing`, () => {
    it("ends a run, caches the thread's values and frees the thread", () =>
      withStore(make, async (store) => {
        await store.runs.enqueue(newRun("r1"), T0);
        const run = await claimOne(store);
        const done = await store.runs.finish(
          { runId: "r1", generation: run.generation },
          { status: "interrupted", values: { x: 1 }, interrupts: { task: [{ value: "ok?" }] } },
          at(50),
        );
        expect(done).toMatchObject({ status: "interrupted", endedAt: at(50).toISOString() });
        expect(await store.threads.get("acme", "thread-r1")).toMatchObject({
          status: "interrupted",
          values: { x: 1 },
          interrupts: { task: [{ value: "ok?" }] },
        });
      }));

    it("rejects a stale fence and keeps the run as the current owner left it", () =>
      withStore(make, async (store) => {
        await store.runs.enqueue(newRun("r1"), T0);
        const run = await claimOne(store);
        await expect(
          store.runs.finish(
            { runId: "r1", generation: run.generation + 1 },
            { status: "success" },
            at(1),
          ),
        ).rejects.toMatchObject({ code: "LEASE_LOST" });
        await store.runs.finish(
          { runId: "r1", generation: run.generation },
          { status: "error", error: { code: "X", message: "boom" } },
          at(2),
        );
        await expect(
          store.runs.finish(
            { runId: "r1", generation: run.generation },
            { status: "success" },
            at(3),
          ),
        ).rejects.toMatchObject({ code: "LEASE_LOST" });
        expect(await store.runs.get("acme", "r1")).toMatchObject({
          status: "error",
          error: { message: "boom" },
        });
        expect((await store.threads.get("acme", "thread-r1"))?.status).toBe("error");
      }));

    it("stores a run's held checkpoint writes with its end; a stale fence stores neither", () =>
      withStore(make, async (store) => {
        await store.runs.enqueue(newRun("r1", { threadId: "t" }), T0);
        const run = await claimOne(store);
        const fence = { runId: "r1", generation: run.generation };
        const write = (n: number) => (saver: CheckpointSaver) =>
          heldWrites(saver, () => putChain(saver, { thread: "t" }, [{ n }]));
        const stale = await write(1)(
          store.fencedSaver({ ...fence, generation: fence.generation + 1 }),
        );
        await expect(
          store.runs.finish(
            { ...fence, generation: fence.generation + 1 },
            { status: "success", held: stale },
            at(1),
          ),
        ).rejects.toMatchObject({ code: "LEASE_LOST" });
        expect(await store.saver.getTuple({ configurable: { thread_id: "t" } })).toBeUndefined();
        expect((await store.runs.get("acme", "r1"))?.status).toBe("running");
        const held = await write(2)(store.fencedSaver(fence));
        expect(await store.saver.getTuple({ configurable: { thread_id: "t" } })).toBeUndefined();
        await store.runs.finish(fence, { status: "success", held }, at(2));
        expect((await store.runs.get("acme", "r1"))?.status).toBe("success");
        const stored = await store.saver.getTuple({ configurable: { thread_id: "t" } });
        expect(stored?.checkpoint.channel_values).toEqual({ n: 2 });
        expect((await store.saver.verify("t")).ok).toBe(true);
      }));

    it("release requeues with a delay, then kills the run after maxAttempts", () =>
      withStore(make, async (store) => {
        await store.runs.enqueue(newRun("r1", { maxAttempts: 2 }), T0);
        const first = await claimOne(store);
        const requeued = await store.runs.release(
          { runId: "r1", generation: first.generation },
          { code: "TRANSIENT", message: "db hiccup" },
          at(1000),
          at(1),
        );
        expect(requeued).toMatchObject({
          status: "pending",
          attempt: 1,
          runAt: at(1000).toISOString(),
        });
        expect(await store.runs.claim({ workerId: "w1", limit: 1, now: at(999) })).toEqual([]);
        const [second] = await store.runs.claim({ workerId: "w1", limit: 1, now: at(1000) });
        expect(second).toMatchObject({ attempt: 2, generation: first.generation + 1 });
        const dead = await store.runs.release(
          { runId: "r1", generation: second!.generation },
          { code: "TRANSIENT", message: "again" },
          at(5000),
          at(1001),
        );
        expect(dead).toMatchObject({
          status: "dead",
          error: { code: "TRANSIENT", message: "again" },
        });
        expect((await store.threads.get("acme", "thread-r1"))?.status).toBe("error");
      }));

    it("fences checkpoint writes: a stale claim's saver stores nothing", () =>
      withStore(make, async (store) => {
        const State = Annotation.Root({ n: Annotation<number>() });
        const build = (saver: ReturnType<PlatformStore["fencedSaver"]>) =>
          new StateGraph(State)
            .addNode("inc", (s) => ({ n: s.n + 1 }))
            .addEdge("__start__", "inc")
            .compile({ checkpointer: saver });
        await store.runs.enqueue(newRun("r1", { threadId: "t" }), T0);
        const first = await claimOne(store, T0, "w1");
        const stale = build(store.fencedSaver({ runId: "r1", generation: first.generation }));
        // w1's lease lapses; the sweeper requeues r1 and w2 claims it.
        const sweep = await store.workers.sweep(at(LEASE + 1));
        expect(sweep.requeued).toEqual(["r1"]);
        const second = await claimOne(store, at(LEASE + 2), "w2");
        expect(second.generation).toBe(first.generation + 1);
        await expect(
          stale.invoke({ n: 1 }, { configurable: { thread_id: "t" } }),
        ).rejects.toMatchObject({
          code: "LEASE_LOST",
        });
        expect(await store.saver.getTuple({ configurable: { thread_id: "t" } })).toBeUndefined();
        const current = build(store.fencedSaver({ runId: "r1", generation: second.generation }));
        expect(await current.invoke({ n: 1 }, { configurable: { thread_id: "t" } })).toEqual({
          n: 2,
        });
        expect(
          (await store.saver.getTuple({ configurable: { thread_id: "t" } }))?.checkpoint,
        ).toBeDefined();
      }));
  });

  describe(`${name}: cancel, retry and delete`, () => {
    it("cancels a pending run at once and a running one through its worker", () =>
      withStore(make, async (store) => {
        await store.runs.enqueue(newRun("p"), T0);
        expect(await store.runs.cancel("acme", "p", "interrupt", at(1))).toMatchObject({
          status: "cancelled",
        });
        expect((await store.threads.get("acme", "thread-p"))?.status).toBe("idle");
        await store.runs.enqueue(newRun("r"), at(2));
        const held = await claimOne(store, at(3));
        expect(await store.runs.cancel("acme", "r", "interrupt", at(4))).toMatchObject({
          status: "running",
          cancelAction: "interrupt",
        });
        const fence = { runId: "r", generation: held.generation };
        expect(await store.workers.heartbeat("w1", at(5), LEASE, [fence])).toEqual({
          lost: [],
          cancel: [{ runId: "r", action: "interrupt" }],
        });
        await expect(store.runs.cancel("globex", "r", "interrupt", at(6))).rejects.toMatchObject({
          code: "RUN_NOT_FOUND",
        });
      }));

    it("refuses to cancel a finished run and retries it from the queue", () =>
      withStore(make, async (store) => {
        await store.runs.enqueue(newRun("r1"), T0);
        const run = await claimOne(store);
        await store.runs.finish(
          { runId: "r1", generation: run.generation },
          { status: "error", error: { code: "E", message: "x" } },
          at(1),
        );
        await expect(store.runs.cancel("acme", "r1", "interrupt", at(2))).rejects.toMatchObject({
          code: "RUN_FINISHED",
        });
        const again = await store.runs.retry("acme", "r1", at(3));
        expect(again).toMatchObject({
          status: "pending",
          attempt: 0,
          error: null,
          runAt: at(3).toISOString(),
        });
        expect((await store.threads.get("acme", "thread-r1"))?.status).toBe("busy");
        await expect(store.runs.delete("acme", "r1")).rejects.toMatchObject({ code: "RUN_ACTIVE" });
        const [claimed] = await store.runs.claim({ workerId: "w1", limit: 1, now: at(4) });
        expect(claimed?.generation).toBe(run.generation + 1);
        await store.runs.finish(
          { runId: "r1", generation: claimed!.generation },
          { status: "success" },
          at(5),
        );
        await expect(store.runs.retry("acme", "r1", at(6))).rejects.toMatchObject({
          code: "RUN_NOT_RETRYABLE",
        });
        expect(await store.runs.delete("acme", "r1")).toBe(true);
        expect(await store.runs.get("acme", "r1")).toBeUndefined();
      }));

    it("lists a thread's runs newest first, per tenant, filtered by status", () =>
      withStore(make, async (store) => {
        for (let i = 0; i < 3; i++)
          await store.runs.enqueue(newRun(`r${i}`, { threadId: "t" }), at(i));
        await store.runs.enqueue(newRun("x", { tenant: "globex", threadId: "t-globex" }), at(9));
        const listed = await store.runs.list({ tenant: "acme", threadId: "t" });
        expect(listed.map((r) => r.runId)).toEqual(["r2", "r1", "r0"]);
        await claimOne(store, at(10));
        expect(
          (await store.runs.list({ tenant: "acme", status: "running" })).map((r) => r.runId),
        ).toEqual(["r0"]);
        await expect(store.threads.delete("acme", "t")).rejects.toMatchObject({
          code: "THREAD_BUSY",
        });
      }));
  });

  describe(`${name}: workers and the sweeper`, () => {
    it("reports lost runs to a worker whose lease lapsed", () =>
      withStore(make, async (store) => {
        await store.runs.enqueue(newRun("r1"), T0);
        const held = await claimOne(store, T0, "w1");
        await store.workers.register(
          { workerId: "w2", graphIds: ["agent"], concurrency: 1 },
          at(LEASE + 1),
          LEASE,
        );
        const swept = await Promise.all([
          store.workers.sweep(at(LEASE + 1)),
          store.workers.sweep(at(LEASE + 1)),
        ]);
        expect(swept.flatMap((s) => s.requeued)).toEqual(["r1"]);
        expect(await store.runs.get("acme", "r1")).toMatchObject({
          status: "pending",
          workerId: null,
        });
        const fences = [{ runId: "r1", generation: held.generation }];
        expect(await store.workers.heartbeat("w1", at(LEASE + 2), LEASE, fences)).toEqual({
          lost: ["r1"],
          cancel: [],
        });
        expect((await store.workers.list(at(LEASE + 2))).map((w) => w.workerId).sort()).toEqual([
          "w1",
          "w2",
        ]);
      }));

    it("keeps live workers' runs and kills runs out of attempts", () =>
      withStore(make, async (store) => {
        await store.runs.enqueue(newRun("r1", { maxAttempts: 1 }), T0);
        const held = await claimOne(store, T0, "w1");
        const fences = [{ runId: "r1", generation: held.generation }];
        expect(await store.workers.heartbeat("w1", at(LEASE - 1), LEASE, fences)).toEqual({
          lost: [],
          cancel: [],
        });
        expect(await store.workers.sweep(at(LEASE + 1))).toEqual({ requeued: [], dead: [] });
        expect(await store.workers.sweep(at(2 * LEASE))).toEqual({ requeued: [], dead: ["r1"] });
        expect(await store.runs.get("acme", "r1")).toMatchObject({
          status: "dead",
          error: { code: "WORKER_LOST" },
        });
        await store.workers.deregister("w1");
        expect(await store.workers.list(at(2 * LEASE))).toEqual([]);
      }));

    it("reports the queue by graph, tenant and priority", () =>
      withStore(make, async (store) => {
        await store.runs.enqueue(newRun("r1", { priority: 1 }), T0);
        await store.runs.enqueue(newRun("r2"), at(1000));
        await store.runs.enqueue(newRun("r3", { tenant: "globex", graphId: "g2" }), at(2000));
        await store.runs.enqueue(newRun("r4", { runAt: at(1_000_000) }), at(2000));
        await claimOne(store, at(3000));
        const status = await store.runs.status(at(5000));
        expect(status).toMatchObject({
          pending: 3,
          delayed: 1,
          running: 1,
          dead: 0,
          oldestWaitingMs: 4000,
        });
        expect(status.byGraph).toEqual({
          agent: { pending: 2, running: 1 },
          g2: { pending: 1, running: 0 },
        });
        expect(status.byTenant.globex).toEqual({ pending: 1, running: 0 });
        expect(status.byPriority).toEqual({ "0": 3 });
        const acme = await store.runs.status(at(5000), "acme");
        expect(acme.pending).toBe(2);
      }));

    it("counts runs of a deleted assistant version as stranded", () =>
      withStore(make, async (store) => {
        await store.assistants.create({ tenant: "acme", assistantId: "a1", graphId: "agent" }, T0);
        await store.runs.enqueue(newRun("r1"), T0);
        expect((await store.runs.status(at(1))).stranded).toBe(0);
        await store.assistants.delete("acme", "a1");
        expect((await store.runs.status(at(1))).stranded).toBe(1);
      }));
  });

  describe(`${name}: wake-ups`, () => {
    it("announces pending runs, cancel requests and finishes", () =>
      withStore(make, async (store) => {
        const events: WakeEvent[] = [];
        const unsubscribe = await store.subscribe((event) => events.push(event));
        await store.runs.enqueue(newRun("r1"), T0);
        const run = await claimOne(store);
        await store.watchFinish?.("r1", at(60_000), T0);
        await store.runs.cancel("acme", "r1", "interrupt", at(1));
        await store.runs.finish(
          { runId: "r1", generation: run.generation },
          { status: "cancelled" },
          at(2),
        );
        await expect.poll(() => events.length).toBe(3);
        expect(events).toEqual([
          { kind: "run.pending", tenant: "acme", runId: "r1", graphId: "agent" },
          { kind: "run.cancel", tenant: "acme", runId: "r1", action: "interrupt" },
          { kind: "run.finished", tenant: "acme", runId: "r1", status: "cancelled" },
        ]);
        await unsubscribe();
      }));

    it("announces a finish to those who watch it, when the store asks for watching", () =>
      withStore(make, async (store) => {
        const finished: string[] = [];
        const unsubscribe = await store.subscribe((event) => {
          if (event.kind === "run.finished") finished.push(event.runId);
        });
        const end = async (runId: string, now: Date) => {
          await store.runs.enqueue(newRun(runId), now);
          const run = await claimOne(store, now);
          await store.runs.finish(
            { runId, generation: run.generation },
            { status: "success" },
            now,
          );
        };
        await store.watchFinish?.("watched", at(1_000), T0);
        await end("unwatched", at(1));
        await end("watched", at(2));
        // Wake-ups arrive in commit order: once the watched one is here, the other would be too.
        await expect.poll(() => finished.includes("watched")).toBe(true);
        const announcesAll = store.watchFinish === undefined;
        expect(finished).toEqual(announcesAll ? ["unwatched", "watched"] : ["watched"]);
        // "*" watches every run, until the declaration lapses.
        await store.watchFinish?.("*", at(2_000), at(3));
        await end("any", at(4));
        await expect.poll(() => finished.at(-1)).toBe("any");
        await end("lapsed", at(2_001));
        await store.watchFinish?.("marker", at(5_000), at(2_002));
        await end("marker", at(2_003));
        await expect.poll(() => finished.at(-1)).toBe("marker");
        expect(finished.includes("lapsed")).toBe(announcesAll);
        await unsubscribe();
      }));
  });
}
