import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Annotation,
  interrupt,
  MemoryAuditLog,
  MemoryPlatformStore,
  type PlatformStore,
  StateGraph,
} from "@conclave/core";
import { defaultAssistantId, Runtime } from "@conclave/runtime";
import { SqliteAuditLog, SqlitePlatformStore } from "@conclave/sqlite";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { expectLifecycles } from "./audit-trails.ts";

const State = Annotation.Root({
  log: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

/** Counts node executions across runs, to prove finished steps never run twice. */
const calls: Record<string, number> = {};
const count = (name: string) => {
  calls[name] = (calls[name] ?? 0) + 1;
};

function echoGraph() {
  return new StateGraph(State)
    .addNode("echo", (s: { log: string[] }) => {
      count("echo");
      return { log: [`echo:${s.log.length}`] };
    })
    .addEdge("__start__", "echo")
    .compile();
}

/** first -> flaky (fails while `failures` > 0) */
let failures = 0;
function flakyGraph() {
  return new StateGraph(State)
    .addNode("first", () => {
      count("first");
      return { log: ["first"] };
    })
    .addNode("flaky", () => {
      count("flaky");
      if (failures-- > 0) throw new Error("flaky failed");
      return { log: ["flaky"] };
    })
    .addEdge("__start__", "first")
    .addEdge("first", "flaky")
    .compile();
}

function approvalGraph() {
  return new StateGraph(State)
    .addNode("ask", () => {
      const answer = interrupt({ question: "ship it?" }) as string;
      return { log: [`answer:${answer}`] };
    })
    .addEdge("__start__", "ask")
    .compile();
}

/** Waits on its AbortSignal (a model stream that only a cancel ends). */
let slowStarted: () => void = () => undefined;
function slowGraph() {
  return new StateGraph(State)
    .addNode("wait", (_s: unknown, config: { signal?: AbortSignal }) => {
      slowStarted();
      return new Promise((_resolve, reject) => {
        config.signal?.addEventListener("abort", () => reject(config.signal?.reason), {
          once: true,
        });
      });
    })
    .addEdge("__start__", "wait")
    .compile();
}

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.close(0);
  await runtime?.store.close();
  runtime = undefined;
  for (const key of Object.keys(calls)) delete calls[key];
});

const tmp = mkdtempSync(join(tmpdir(), "conclave-runtime-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let files = 0;

/** Each suite runs on every embedded store: in memory, and a fresh SQLite file. */
const STORES: [string, () => PlatformStore][] = [
  ["the memory store", () => new MemoryPlatformStore()],
  ["SQLite", () => SqlitePlatformStore.fromConnString(join(tmp, `rt-${files++}.db`))],
];
let makeStore: () => PlatformStore = STORES[0]![1];

async function start(store: PlatformStore = makeStore()) {
  runtime = await Runtime.create({
    store,
    graphs: { echo: echoGraph, flaky: flakyGraph, approval: approvalGraph, slow: slowGraph },
    temporaryThreadTtlMs: 50,
  });
  await runtime.startWorker({ concurrency: 4 });
  return runtime;
}

describe.each(STORES)("Runtime on %s", (_name, make) => {
  beforeEach(() => {
    makeStore = make;
  });

  it("starts a run submitted to an idle worker; on SQLite it is handed over in the enqueue's commit", async () => {
    const store = makeStore();
    const rt = await start(store);
    const claim = vi.spyOn(store.runs, "claim");
    const run = await rt.submit({ assistant: "echo", thread: "t-handoff", input: { log: [] } });
    expect(await rt.join("default", run.runId)).toMatchObject({ status: "success", attempt: 1 });
    const handoff = store.runs.handoff !== undefined;
    expect(handoff).toBe(store instanceof SqlitePlatformStore);
    // Claim passes after the run ended find nothing; none may have claimed this run.
    for (const result of claim.mock.results) {
      const claimed = (await result.value) as { runId: string }[];
      if (handoff) expect(claimed.map((r) => r.runId)).not.toContain(run.runId);
    }
    if (!handoff) expect(claim).toHaveBeenCalled();
  });

  it("runs a submitted run to success and caches the thread's values", async () => {
    const rt = await start();
    const run = await rt.submit({ assistant: "echo", thread: "t1", input: { log: ["hi"] } });
    expect(run).toMatchObject({
      status: "pending",
      graphId: "echo",
      assistantId: defaultAssistantId("echo"),
    });
    const done = await rt.join("default", run.runId);
    expect(done).toMatchObject({ status: "success", attempt: 1 });
    const thread = await rt.store.threads.get("default", "t1");
    expect(thread).toMatchObject({ status: "idle", values: { log: ["hi", "echo:1"] } });
    const second = await rt.submit({ assistant: "echo", thread: "t1", input: { log: ["again"] } });
    await rt.join("default", second.runId);
    expect((await rt.store.threads.get("default", "t1"))?.values).toEqual({
      log: ["hi", "echo:1", "again", "echo:3"],
    });
  });

  it("submits a batch in one change: all runs, in order, or none", async () => {
    const log = new MemoryAuditLog();
    runtime = await Runtime.create({
      store: makeStore(),
      graphs: { echo: echoGraph },
      audit: { log },
    });
    const rt = runtime;
    await rt.startWorker({ concurrency: 4 });
    const runs = await rt.submitMany([
      { assistant: "echo", thread: "b1", input: { log: ["one"] } },
      { assistant: "echo", thread: "b1", input: { log: ["two"] }, multitaskStrategy: "enqueue" },
      { assistant: "echo", thread: "b2", input: { log: ["three"] }, actor: "key:k1" },
    ]);
    expect(runs.map((run) => [run.threadId, run.status])).toEqual([
      ["b1", "pending"],
      ["b1", "pending"],
      ["b2", "pending"],
    ]);
    for (const run of runs) expect((await rt.join("default", run.runId)).status).toBe("success");
    // The thread's two runs ran in batch order.
    expect((await rt.store.threads.get("default", "b1"))?.values).toEqual({
      log: ["one", "echo:1", "two", "echo:3"],
    });
    await rt.audit!.flush();
    const created = (await log.list({ tenant: "default" })).filter((e) => e.kind === "run.created");
    expect(created.map((e) => [e.runId, e.actor])).toEqual([
      [runs[0]!.runId, "system"],
      [runs[1]!.runId, "system"],
      [runs[2]!.runId, "key:k1"],
    ]);

    await expect(
      rt.submitMany([
        { assistant: "echo", thread: "b3", input: { log: [] } },
        { assistant: "echo", thread: "missing", ifNotExists: "reject", input: { log: [] } },
      ]),
    ).rejects.toMatchObject({ code: "THREAD_NOT_FOUND" });
    expect(await rt.store.threads.get("default", "b3")).toBeUndefined();
    await expect(
      rt.submitMany([
        { assistant: "echo", input: {} },
        { assistant: "nope", input: {} },
      ]),
    ).rejects.toMatchObject({ code: "ASSISTANT_NOT_FOUND" });
    expect((await rt.queueStatus()).pending).toBe(0);
  });

  it("under sync audit on SQLite, ends each run and appends its end event in one commit", async () => {
    const store = makeStore();
    if (!(store instanceof SqlitePlatformStore)) return void (await store.close());
    const log = new SqliteAuditLog(store.db);
    const rt = await Runtime.create({
      store,
      graphs: { echo: echoGraph },
      audit: { log, durability: "sync" },
    });
    const finish = vi.spyOn(store.runs, "finish");
    const finishAudited = vi.spyOn(store.runs, "finishAudited");
    try {
      await rt.startWorker({ concurrency: 4 });
      const runs = await Promise.all(
        [0, 1, 2].map((i) =>
          rt.submit({ assistant: "echo", thread: `joined-${i}`, input: { log: [] } }),
        ),
      );
      for (const run of runs) await rt.join("default", run.runId);
      expect(finish).not.toHaveBeenCalled();
      expect(finishAudited).toHaveBeenCalledTimes(3);
      await expectLifecycles(log, runs);
    } finally {
      await rt.close(0);
      await store.close();
    }
  });

  it("records each run's created, started and finished events in that order", async () => {
    for (const durability of ["sync", "async"] as const) {
      const log = new MemoryAuditLog();
      const rt = await Runtime.create({
        store: makeStore(),
        graphs: { echo: echoGraph },
        audit: { log, durability },
      });
      try {
        await rt.startWorker({ concurrency: 4 });
        const runs = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            rt.submit({
              assistant: "echo",
              thread: `order-${durability}-${i}`,
              input: { log: [] },
            }),
          ),
        );
        for (const run of runs) await rt.join("default", run.runId);
        await rt.audit!.flush();
        const events = await log.list({ tenant: "default" });
        for (const run of runs) {
          const kinds = events.filter((e) => e.runId === run.runId).map((e) => e.kind);
          expect(kinds, durability).toEqual(["run.created", "run.started", "run.finished"]);
        }
      } finally {
        await rt.close(0);
        await rt.store.close();
      }
    }
  });

  it("pauses at interrupt() and resumes with a command run", async () => {
    const rt = await start();
    const first = await rt.join(
      "default",
      (await rt.submit({ assistant: "approval", thread: "t", input: {} })).runId,
    );
    expect(first.status).toBe("interrupted");
    const paused = await rt.store.threads.get("default", "t");
    expect(paused?.status).toBe("interrupted");
    expect(Object.values(paused?.interrupts ?? {}).flat()).toEqual([
      expect.objectContaining({ value: { question: "ship it?" } }),
    ]);
    const resumed = await rt.submit({
      assistant: "approval",
      thread: "t",
      command: { resume: "yes" },
    });
    expect((await rt.join("default", resumed.runId)).status).toBe("success");
    expect(await rt.store.threads.get("default", "t")).toMatchObject({
      status: "idle",
      values: { log: ["answer:yes"] },
    });
  });

  it("retries a failed run from its last checkpoint without re-running finished steps", async () => {
    const rt = await start();
    failures = 1;
    const run = await rt.submit({ assistant: "flaky", thread: "t", input: {} });
    const failed = await rt.join("default", run.runId);
    expect(failed).toMatchObject({ status: "error", error: { message: "flaky failed" } });
    expect(calls).toEqual({ first: 1, flaky: 1 });
    await rt.retry("default", run.runId);
    const done = await rt.join("default", run.runId);
    expect(done.status).toBe("success");
    expect(calls).toEqual({ first: 1, flaky: 2 });
    expect((await rt.store.threads.get("default", "t"))?.values).toEqual({
      log: ["first", "flaky"],
    });
  });

  it("cancels a run in the middle of a node through its AbortSignal", async () => {
    const rt = await start();
    const started = new Promise<void>((resolve) => {
      slowStarted = resolve;
    });
    const run = await rt.submit({ assistant: "slow", thread: "t", input: {} });
    await started;
    await rt.cancel("default", run.runId, "interrupt");
    expect(await rt.join("default", run.runId)).toMatchObject({
      status: "cancelled",
      error: { code: "CANCELLED" },
    });
    expect((await rt.store.threads.get("default", "t"))?.status).toBe("idle");
  });

  it("stops a run at its timeout", async () => {
    const rt = await start();
    const run = await rt.submit({ assistant: "slow", thread: "t", input: {}, timeoutMs: 20 });
    expect(await rt.join("default", run.runId)).toMatchObject({
      status: "timeout",
      error: { code: "RUN_TIMEOUT" },
    });
  });

  it("interrupt strategy stops the running run and runs the new one after it", async () => {
    const rt = await start();
    const started = new Promise<void>((resolve) => {
      slowStarted = resolve;
    });
    const slow = await rt.submit({ assistant: "slow", thread: "t", input: { log: ["a"] } });
    await started;
    const next = await rt.submit({
      assistant: "echo",
      thread: "t",
      input: { log: ["b"] },
      multitaskStrategy: "interrupt",
    });
    expect((await rt.join("default", slow.runId)).status).toBe("cancelled");
    expect((await rt.join("default", next.runId)).status).toBe("success");
    // The interrupted run's input checkpoint was kept.
    expect((await rt.store.threads.get("default", "t"))?.values).toEqual({
      log: ["a", "b", "echo:2"],
    });
  });

  it("rollback strategy undoes the running run and deletes it", async () => {
    const rt = await start();
    await rt.join(
      "default",
      (await rt.submit({ assistant: "echo", thread: "t", input: { log: ["kept"] } })).runId,
    );
    const started = new Promise<void>((resolve) => {
      slowStarted = resolve;
    });
    const slow = await rt.submit({ assistant: "slow", thread: "t", input: { log: ["undone"] } });
    await started;
    const next = await rt.submit({
      assistant: "echo",
      thread: "t",
      input: { log: ["b"] },
      multitaskStrategy: "rollback",
    });
    expect((await rt.join("default", next.runId)).status).toBe("success");
    await expect.poll(() => rt.store.runs.get("default", slow.runId)).toBeUndefined();
    expect((await rt.store.threads.get("default", "t"))?.values).toEqual({
      log: ["kept", "echo:1", "b", "echo:3"],
    });
  });

  it("reject strategy refuses a second run while the thread is busy", async () => {
    const rt = await start();
    const started = new Promise<void>((resolve) => {
      slowStarted = resolve;
    });
    const slow = await rt.submit({ assistant: "slow", thread: "t", input: {} });
    await started;
    await expect(
      rt.submit({ assistant: "echo", thread: "t", input: {}, multitaskStrategy: "reject" }),
    ).rejects.toMatchObject({ code: "THREAD_BUSY" });
    await rt.cancel("default", slow.runId);
  });

  it("streams a run's events and replays them after a reconnect", async () => {
    const rt = await start();
    const run = await rt.submit({
      assistant: "echo",
      thread: "t",
      input: { log: ["x"] },
      streamMode: ["updates"],
    });
    const events = [];
    for await (const event of rt.stream("default", run.runId)) events.push(event);
    expect(events.map((e) => e.event)).toEqual(["metadata", "updates", "end"]);
    expect(events[1]?.data).toEqual({ echo: { log: ["echo:1"] } });
    const replay = [];
    for await (const event of rt.stream("default", run.runId, 1)) replay.push(event.id);
    expect(replay).toEqual([2, 3]);
  });

  it("deletes the temporary thread of a stateless run", async () => {
    const rt = await start();
    const run = await rt.submit({ assistant: "echo", input: { log: [] } });
    expect((await rt.join("default", run.runId)).status).toBe("success");
    // Readable right after the run, for clients waiting on it; then dropped.
    expect((await rt.store.threads.get("default", run.threadId))?.values).toEqual({
      log: ["echo:0"],
    });
    await expect.poll(() => rt.store.threads.get("default", run.threadId)).toBeUndefined();
    expect(
      await rt.store.saver.getTuple({ configurable: { thread_id: run.threadId } }),
    ).toBeUndefined();
  });

  it("explains an unknown assistant", async () => {
    const rt = await start();
    await expect(rt.submit({ assistant: "nope", input: {} })).rejects.toMatchObject({
      code: "ASSISTANT_NOT_FOUND",
    });
  });
});
