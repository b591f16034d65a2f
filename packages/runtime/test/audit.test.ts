import { Annotation, MemoryAuditLog, MemoryPlatformStore, StateGraph } from "@conclave/core";
import { type AuditDurability, AuditSink, Runtime } from "@conclave/runtime";
import { afterEach, describe, expect, it, vi } from "vitest";

const graph = () =>
  new StateGraph(Annotation.Root({ q: Annotation<string>(), api_key: Annotation<string>() }))
    .addNode("answer", () => ({ q: "done" }))
    .addEdge("__start__", "answer")
    .compile();

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.close(0);
  runtime = undefined;
});

async function auditedRun(durability: AuditDurability, content: "off" | "digest" | "full") {
  const log = new MemoryAuditLog();
  runtime = await Runtime.create({
    store: new MemoryPlatformStore(),
    graphs: { qa: graph },
    audit: { log, durability, content },
  });
  await runtime.startWorker();
  const run = await runtime.submit({
    assistant: "qa",
    thread: "t",
    input: { q: "hello", api_key: "sk-live-abcdefghijklmnopqrstuvwxyz" },
    actor: "key:k1",
  });
  await runtime.join("default", run.runId);
  await runtime.close(0);
  return { log, run };
}

describe("audit trail of runs", () => {
  for (const durability of ["sync", "async", "exit"] as const) {
    it(`records a run's lifecycle in a verifiable chain (${durability})`, async () => {
      const { log, run } = await auditedRun(durability, "digest");
      const events = await log.list({ tenant: "default" });
      expect(events.map((e) => e.kind)).toEqual(["run.created", "run.started", "run.finished"]);
      expect(events.every((e) => e.runId === run.runId && e.threadId === "t")).toBe(true);
      expect(events[0]).toMatchObject({
        actor: "key:k1",
        data: { input: { sha256: expect.any(String) } },
      });
      expect(events[1]?.actor).toMatch(/^worker:/);
      expect(events[2]?.data).toEqual({ status: "success" });
      expect((await log.verify("default")).ok).toBe(true);
    });
  }

  it("redacts secrets from full content and keeps none with off", async () => {
    const full = await auditedRun("sync", "full");
    const [created] = await full.log.list({ tenant: "default" });
    expect(created?.data.input).toEqual({ q: "hello", api_key: "[REDACTED]" });
    expect(JSON.stringify(await full.log.list({ tenant: "default" }))).not.toContain("sk-live");
    const off = await auditedRun("sync", "off");
    const [bare] = await off.log.list({ tenant: "default" });
    expect(bare?.data).toEqual({ assistantId: expect.any(String), graphId: "qa" });
  });
});

describe("AuditSink while a run is being submitted", () => {
  const silent = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} } as never;
  const event = (kind: string) => ({ tenant: "default", kind, actor: "system", runId: "r1" });

  for (const durability of ["sync", "async", "exit"] as const) {
    it(`keeps created, started, finished in order even when the run ends first (${durability})`, async () => {
      const log = new MemoryAuditLog();
      const sink = new AuditSink({ log, durability }, silent);
      sink.submitting(["r1"]);
      const started = sink.record([event("run.started")], true);
      const ended = sink.endRun("r1", [event("run.finished")]);
      await Promise.resolve();
      expect(await log.list({ tenant: "default" })).toEqual([]);
      await sink.record([event("run.created")]);
      sink.submitted(["r1"]);
      await Promise.all([started, ended]);
      await sink.flush();
      const kinds = (await log.list({ tenant: "default" })).map((e) => e.kind);
      expect(kinds).toEqual(["run.created", "run.started", "run.finished"]);
    });
  }
});

describe("AuditSink handing a run's held events to the store that ends it (async)", () => {
  const silent = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} } as never;
  const event = (kind: string) => ({ tenant: "default", kind, actor: "system", runId: "r1" });
  const end = { status: "success" as const, error: null };

  async function heldFor45ms() {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const log = new MemoryAuditLog();
    const appended: string[] = [];
    const append = log.append.bind(log);
    log.append = (events) => {
      appended.push(...events.map((e) => e.kind));
      return append(events);
    };
    const sink = new AuditSink({ log, durability: "async" }, silent);
    await sink.record([event("run.started")], true);
    vi.advanceTimersByTime(45);
    return { sink, appended };
  }
  afterEach(() => {
    vi.useRealTimers();
  });

  it("writes them once when the hold runs out while the end is being written", async () => {
    const { sink, appended } = await heldFor45ms();
    const joint = sink.finishAudit("r1", () => [event("run.finished")]);
    expect(joint!.events(end).map((e) => e.kind)).toEqual(["run.started", "run.finished"]);
    // The hold's 50 ms pass, and a reader flushes (GET /audit/events does), before the end
    // commits: neither may append what the store is writing.
    vi.advanceTimersByTime(20);
    await sink.flush();
    await sink.endedWithRun("r1");
    await sink.flush();
    expect(appended).toEqual([]);
  });

  it("holds them again when the store failed to end the run, then appends them", async () => {
    const { sink, appended } = await heldFor45ms();
    sink.finishAudit("r1", () => [event("run.finished")]);
    sink.finishFailed("r1");
    vi.advanceTimersByTime(60);
    await sink.flush();
    expect(appended).toEqual(["run.started"]);
  });

  it("appends them with the end when the store cannot write them", async () => {
    const { sink, appended } = await heldFor45ms();
    sink.finishAudit("r1", () => [event("run.finished")]);
    await sink.endRun("r1", [event("run.finished")]);
    await sink.flush();
    expect(appended).toEqual(["run.started", "run.finished"]);
  });
});

describe("a run its worker gives up without ending it", () => {
  it("keeps what was recorded about it under exit durability", async () => {
    const log = new MemoryAuditLog();
    const store = new MemoryPlatformStore();
    let entered: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const stuck = new StateGraph(Annotation.Root({ q: Annotation<string>() }))
      .addNode("wait", async (_state, config) => {
        entered();
        await new Promise((resolve) => config.signal?.addEventListener("abort", resolve));
        return { q: "never" };
      })
      .addEdge("__start__", "wait")
      .compile();
    runtime = await Runtime.create({
      store,
      graphs: { qa: stuck },
      audit: { log, durability: "exit" },
    });
    const worker = await runtime.startWorker();
    const run = await runtime.submit({ assistant: "qa", thread: "t", input: { q: "?" } });
    await running;
    // Shutdown with no time to drain: the run goes back to the queue, not ended.
    await worker.stop(0);
    expect((await runtime.getRun("default", run.runId)).status).toBe("pending");
    await runtime.audit!.flush();
    const kinds = (await log.list({ tenant: "default" })).map((e) => e.kind);
    expect(kinds).toEqual(["run.created", "run.started"]);
  });
});
