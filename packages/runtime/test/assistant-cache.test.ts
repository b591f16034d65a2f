import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Annotation, type PlatformStore, StateGraph } from "@conclave/core";
import { defaultAssistantId, Runtime } from "@conclave/runtime";
import { SqlitePlatformStore } from "@conclave/sqlite";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";

const State = Annotation.Root({ n: Annotation<number>() });
const graph = () =>
  new StateGraph(State)
    .addNode("inc", (s: { n: number }) => ({ n: s.n + 1 }))
    .addEdge("__start__", "inc")
    .compile();

const tmp = mkdtempSync(join(tmpdir(), "conclave-assistant-cache-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let files = 0;
const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

/** A runtime (no worker: runs stay pending) and a second store on the same file, as another process. */
async function setUp() {
  const file = join(tmp, `cache-${files++}.db`);
  const store = SqlitePlatformStore.fromConnString(file);
  const runtime = await Runtime.create({ store, graphs: { agent: graph } });
  const other: PlatformStore = SqlitePlatformStore.fromConnString(file);
  open.push(store, { close: () => runtime.close(0) }, other);
  const reads = vi.spyOn(store.assistants, "get");
  const enqueues = vi.spyOn(store.runs, "enqueue");
  return { runtime, store, other, reads, enqueues };
}

describe("Runtime submits from remembered assistants", () => {
  it("reads the assistant once, then enqueues with a check and no read", async () => {
    const { runtime, reads, enqueues } = await setUp();
    await runtime.submit({ assistant: "agent", input: { n: 1 } });
    const readsAfterFirst = reads.mock.calls.length;
    expect(readsAfterFirst).toBeGreaterThan(0);
    const second = await runtime.submit({ assistant: "agent", input: { n: 2 } });
    expect(reads.mock.calls.length).toBe(readsAfterFirst);
    expect(enqueues.mock.calls[1]![0].assistantCheck).toEqual({
      name: "agent",
      config: "{}",
      context: null,
    });
    expect(second).toMatchObject({ assistantId: defaultAssistantId("agent"), status: "pending" });
  });

  it("builds the run again from the changed assistant when another process changed it", async () => {
    const { runtime, other, enqueues } = await setUp();
    const id = defaultAssistantId("agent");
    await runtime.submit({ assistant: "agent", input: { n: 1 } });
    await other.assistants.update(
      "default",
      id,
      { config: { configurable: { model: "smart" } } },
      new Date(),
    );
    const run = await runtime.submit({ assistant: "agent", input: { n: 2 }, runId: "r-after" });
    expect(run).toMatchObject({ runId: "r-after", assistantVersion: 2 });
    expect(run.kwargs.config).toMatchObject({ configurable: { model: "smart" } });
    // The remembered one was refused (nothing stored), then the run went in from a fresh read.
    expect(enqueues).toHaveBeenCalledTimes(3);
    await expect(enqueues.mock.results[1]!.value).rejects.toMatchObject({
      code: "ASSISTANT_CHANGED",
    });
    expect(await runtime.store.runs.get("default", "r-after")).toMatchObject({
      assistantVersion: 2,
    });
    // And the fresh one is remembered: the next submit goes in at once.
    await runtime.submit({ assistant: "agent", input: { n: 3 } });
    expect(enqueues).toHaveBeenCalledTimes(4);
  });

  it("resubmits a whole batch under the same run and thread ids", async () => {
    const { runtime, other } = await setUp();
    await runtime.submit({ assistant: "agent", input: { n: 0 } });
    await other.assistants.update(
      "default",
      defaultAssistantId("agent"),
      { config: { v: 2 } },
      new Date(),
    );
    const runs = await runtime.submitMany([
      { assistant: "agent", input: { n: 1 }, runId: "b1", thread: "t1" },
      { assistant: "agent", input: { n: 2 }, runId: "b2" },
    ]);
    expect(runs.map((run) => [run.runId, run.assistantVersion])).toEqual([
      ["b1", 2],
      ["b2", 2],
    ]);
    expect(runs[0]!.threadId).toBe("t1");
    expect(runs.map((run) => run.kwargs.config)).toEqual([{ v: 2 }, { v: 2 }]);
  });

  it("reads a graph-id name again once its graph is no longer registered", async () => {
    const { runtime } = await setUp();
    await runtime.submit({ assistant: "agent", input: { n: 1 } });
    runtime.registry.delete("agent");
    await expect(runtime.submit({ assistant: "agent", input: { n: 2 } })).rejects.toMatchObject({
      code: "ASSISTANT_NOT_FOUND",
    });
  });
});
