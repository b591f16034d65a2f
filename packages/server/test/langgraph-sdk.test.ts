/**
 * The LangGraph Platform API driven by the official `@langchain/langgraph-sdk` Client:
 * assistants, threads, state, history and updates, and runs (background, wait, join, stream),
 * including interrupt() and resume with `command: { resume }`.
 */
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, startLangGraphServer } from "./langgraph-fixtures.ts";

let server: Awaited<ReturnType<typeof startLangGraphServer>>;
let client: Client;

beforeAll(async () => {
  server = await startLangGraphServer();
  client = await server.client("acme");
});
afterAll(() => server.close());

describe("assistants", () => {
  it("lists a default assistant per graph, found by assistant id or by graph id", async () => {
    const found = await client.assistants.search({ limit: 100 });
    const graphIds = found.map((a) => a.graph_id).sort();
    expect(graphIds).toEqual(["approval", "chat", "counter", "failing", "gated", "langchain"]);
    const counter = found.find((a) => a.graph_id === "counter")!;
    expect(counter).toMatchObject({ name: "counter", version: 1, config: {}, context: null });
    expect(await client.assistants.get(counter.assistant_id)).toEqual(counter);
    expect((await client.assistants.get("counter")).assistant_id).toBe(counter.assistant_id);
  });

  it("creates, filters, versions and deletes assistants", async () => {
    const made = await client.assistants.create({
      graphId: "counter",
      name: "doubler",
      metadata: { team: "math" },
      config: { configurable: { mode: "fast" } },
    });
    expect(made).toMatchObject({ graph_id: "counter", name: "doubler", version: 1 });
    const byMeta = await client.assistants.search({ metadata: { team: "math" } });
    expect(byMeta.map((a) => a.assistant_id)).toEqual([made.assistant_id]);
    expect(await client.assistants.count({ graphId: "counter" })).toBe(2);
    const updated = await client.assistants.update(made.assistant_id, {
      metadata: { level: 2 },
    });
    expect(updated).toMatchObject({ version: 2, metadata: { team: "math", level: 2 } });
    const versions = await client.assistants.getVersions(made.assistant_id);
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
    const graph = await client.assistants.getGraph(made.assistant_id);
    expect(graph.nodes.map((n) => n.id)).toEqual(expect.arrayContaining(["inc", "double"]));
    await client.assistants.delete(made.assistant_id);
    await expect(client.assistants.get(made.assistant_id)).rejects.toMatchObject({ status: 404 });
  });
});

describe("threads", () => {
  it("creates, gets, updates, searches and deletes threads", async () => {
    const thread = await client.threads.create({ metadata: { owner: "ana" } });
    expect(thread).toMatchObject({ status: "idle", values: null, interrupts: {} });
    expect(await client.threads.get(thread.thread_id)).toEqual(thread);
    const patched = await client.threads.update(thread.thread_id, { metadata: { tier: "gold" } });
    expect(patched.metadata).toEqual({ owner: "ana", tier: "gold" });
    const found = await client.threads.search({ metadata: { owner: "ana" } });
    expect(found.map((t) => t.thread_id)).toEqual([thread.thread_id]);
    expect(await client.threads.count({ metadata: { tier: "gold" } })).toBe(1);
    await expect(client.threads.create({ threadId: thread.thread_id })).rejects.toMatchObject({
      status: 409,
    });
    await client.threads.delete(thread.thread_id);
    await expect(client.threads.get(thread.thread_id)).rejects.toMatchObject({ status: 404 });
  });

  it("reads a thread's state and history after a run", async () => {
    const { thread_id } = await client.threads.create();
    expect(await client.runs.wait(thread_id, "counter", { input: { n: 1 } })).toEqual({ n: 4 });
    const state = await client.threads.getState(thread_id);
    expect(state).toMatchObject({
      values: { n: 4 },
      next: [],
      tasks: [],
      checkpoint: { thread_id, checkpoint_ns: "", checkpoint_id: expect.any(String) },
      metadata: { source: "loop", step: 2 },
      parent_checkpoint: { thread_id, checkpoint_id: expect.any(String) },
    });
    const history = await client.threads.getHistory(thread_id);
    expect(history.map((s) => s.values)).toEqual([{ n: 4 }, { n: 2 }, { n: 1 }, {}]);
    const older = await client.threads.getState(thread_id, history[2]!.checkpoint.checkpoint_id!);
    expect(older).toMatchObject({ values: { n: 1 }, next: ["inc"] });
    const newest = history[0]!.checkpoint.checkpoint_id;
    const limited = await client.threads.getHistory(thread_id, {
      limit: 1,
      before: { configurable: { checkpoint_id: newest } },
    });
    expect(limited.map((s) => s.values)).toEqual([{ n: 2 }]);
    const thread = await client.threads.get(thread_id);
    expect(thread).toMatchObject({
      status: "idle",
      values: { n: 4 },
      metadata: { graph_id: "counter" },
    });
  });

  it("updates state as a node, then a run continues from it", async () => {
    const { thread_id } = await client.threads.create({ graphId: "counter" });
    const saved = await client.threads.updateState(thread_id, { values: { n: 10 }, asNode: "inc" });
    expect(saved).toMatchObject({ checkpoint: { thread_id, checkpoint_id: expect.any(String) } });
    const state = await client.threads.getState(thread_id);
    expect(state).toMatchObject({ values: { n: 10 }, next: ["double"] });
    expect((await client.threads.get(thread_id)).values).toEqual({ n: 10 });
    expect(await client.runs.wait(thread_id, "counter", { input: null })).toEqual({ n: 20 });
    await expect(
      client.threads.updateState(thread_id, { values: { n: 1 }, asNode: "nope" }),
    ).rejects.toMatchObject({ status: 422, text: expect.stringContaining("nope") });
  });
});

describe("runs", () => {
  it("creates a background run, joins it, lists, gets and deletes it", async () => {
    const { thread_id } = await client.threads.create();
    const run = await client.runs.create(thread_id, "counter", {
      input: { n: 2 },
      metadata: { a: 1 },
    });
    expect(run).toMatchObject({ thread_id, status: "pending", multitask_strategy: "reject" });
    expect(run.metadata).toMatchObject({ a: 1, request_id: expect.any(String) });
    expect(await client.runs.join(thread_id, run.run_id)).toEqual({ n: 6 });
    // Joining a run that already ended answers at once, with the same state.
    expect(await client.runs.join(thread_id, run.run_id)).toEqual({ n: 6 });
    expect(await client.runs.get(thread_id, run.run_id)).toMatchObject({ status: "success" });
    const listed = await client.runs.list(thread_id);
    expect(listed.map((r) => r.run_id)).toEqual([run.run_id]);
    expect(await client.runs.list(thread_id, { status: "error" })).toEqual([]);
    await client.runs.delete(thread_id, run.run_id);
    await expect(client.runs.get(thread_id, run.run_id)).rejects.toMatchObject({ status: 404 });
  });

  it("puts the caller's request id into run metadata", async () => {
    const apiKey = await server.key("acme", ["runs:write", "runs:read"]);
    const traced = new Client({
      apiUrl: server.url,
      apiKey,
      defaultHeaders: { "x-request-id": "req-trace-42" },
      callerOptions: { maxRetries: 0 },
    });
    const run = await traced.runs.create(null, "counter", { input: { n: 1 } });
    expect(run.metadata).toMatchObject({ request_id: "req-trace-42" });
  });

  it("streams a run's values and updates", async () => {
    const { thread_id } = await client.threads.create();
    const events = await collect(
      client.runs.stream(thread_id, "counter", {
        input: { n: 1 },
        streamMode: ["values", "updates"],
      }),
    );
    expect(events.map((e) => e.event)).toEqual([
      "metadata",
      "values",
      "updates",
      "values",
      "updates",
      "values",
      "end",
    ]);
    expect(events[0]!.data).toMatchObject({ run_id: expect.any(String), attempt: 1, thread_id });
    expect(events.at(-2)).toMatchObject({ event: "values", data: { n: 4 } });
    expect(events[1]).toMatchObject({ event: "values", data: { n: 1 } });
    expect(events[2]).toMatchObject({ event: "updates", data: { inc: { n: 2 } } });
    expect(events.map((e) => Number(e.id))).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("pauses on interrupt() and resumes with command.resume", async () => {
    const { thread_id } = await client.threads.create();
    const paused = await client.runs.wait(thread_id, "approval", { input: { topic: "launch" } });
    expect(paused).toEqual({
      topic: "launch",
      __interrupt__: [{ id: expect.any(String), value: { question: "Publish launch?" } }],
    });
    const thread = await client.threads.get(thread_id);
    expect(thread.status).toBe("interrupted");
    expect(thread.values).toEqual({ topic: "launch" });
    expect(Object.values(thread.interrupts).flat()).toEqual([
      { id: expect.any(String), value: { question: "Publish launch?" } },
    ]);
    const state = await client.threads.getState(thread_id);
    expect(state.next).toEqual(["ask"]);
    expect(state.tasks[0]!.interrupts).toEqual(
      thread.interrupts[Object.keys(thread.interrupts)[0]!],
    );
    const resumed = await collect(
      client.runs.stream(thread_id, "approval", {
        command: { resume: "yes" },
        streamMode: "values",
      }),
    );
    expect(resumed.filter((e) => e.event === "values").at(-1)!.data).toEqual({
      topic: "launch",
      answer: "yes!",
    });
    expect(await client.threads.get(thread_id)).toMatchObject({ status: "idle", interrupts: {} });
  });

  it("reports a failed run: wait throws, the stream ends with an error event", async () => {
    const { thread_id } = await client.threads.create();
    await expect(client.runs.wait(thread_id, "failing", { input: { n: 1 } })).rejects.toThrow(
      "Error: the reactor overheated",
    );
    const events = await collect(client.runs.stream(thread_id, "failing", { input: { n: 1 } }));
    expect(events.map((e) => e.event)).toEqual(["metadata", "values", "error", "end"]);
    expect(events[2]!.data).toEqual({ error: "Error", message: "the reactor overheated" });
    expect((await client.threads.get(thread_id)).status).toBe("error");
  });

  it("runs stateless: wait, stream, background, batch and join-stream", async () => {
    expect(await client.runs.wait(null, "counter", { input: { n: 3 } })).toEqual({ n: 8 });
    const events = await collect(client.runs.stream(null, "counter", { input: { n: 0 } }));
    expect(events.filter((e) => e.event === "values").at(-1)!.data).toEqual({ n: 2 });
    const [a, b] = await client.runs.createBatch([
      { assistantId: "counter", input: { n: 1 } },
      { assistantId: "counter", input: { n: 2 } },
    ]);
    expect(a!.thread_id).not.toBe(b!.thread_id);
    expect((a as unknown as { kwargs: object }).kwargs).toMatchObject({
      temporary: true,
      input: { n: 1 },
    });
    const joined = await collect(client.runs.joinStream(null, b!.run_id));
    expect(joined.filter((e) => e.event === "values").at(-1)!.data).toEqual({ n: 6 });
    // All or none: one bad run refuses the batch, and nothing of it is queued.
    const before = (await server.runtime.store.runs.list({ tenant: "acme" })).length;
    await expect(
      client.runs.createBatch([
        { assistantId: "counter", input: { n: 1 } },
        { assistantId: "no-such-graph", input: { n: 2 } },
      ]),
    ).rejects.toThrow(/404/);
    expect((await server.runtime.store.runs.list({ tenant: "acme" })).length).toBe(before);
  });

  it("keeps a stateless run's thread with on_completion keep, and names the run in headers", async () => {
    let created: { run_id: string; thread_id?: string } | undefined;
    // The SDK's types leave onCompletion out of stateless waits, though it sends it.
    const payload = {
      input: { n: 5 },
      onCompletion: "keep" as const,
      onRunCreated: (meta: { run_id: string; thread_id?: string }) => {
        created = meta;
      },
    };
    const output = await client.runs.wait(
      null,
      "counter",
      payload as Omit<typeof payload, "onCompletion">,
    );
    expect(output).toEqual({ n: 12 });
    expect(created).toEqual({ run_id: expect.any(String), thread_id: undefined });
    const run = await server.runtime.store.runs.get("acme", created!.run_id);
    expect(run).toMatchObject({ temporary: false, status: "success" });
    expect(await client.threads.get(run!.threadId)).toMatchObject({ values: { n: 12 } });
  });
});
