/**
 * `POST /threads/{id}/copy` through the official `@langchain/langgraph-sdk` Client
 * (`client.threads.copy`): the copy has the source's metadata, values, interrupts and whole
 * history under the same checkpoint ids; a run on the copy continues from where the source
 * stood and leaves the source alone; the copy's hash chain verifies; another tenant cannot
 * copy the thread; the copy is audited.
 */
import { Annotation, interrupt, MemoryAuditLog, START, StateGraph } from "@conclave/core";
import { langGraphApi } from "@conclave/server";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.ts";

const State = Annotation.Root({
  items: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  approved: Annotation<boolean>(),
});

// Each run appends its input's item; "ask" then waits for a human's answer.
const notes = new StateGraph(State)
  .addNode("note", (_state, config) => ({
    items: [String((config.configurable as { item?: string } | undefined)?.item ?? "x")],
  }))
  .addNode("ask", () => ({ approved: interrupt<string, boolean>("approve?") }))
  .addEdge(START, "note")
  .addConditionalEdges("note", (s) => (s.items.at(-1) === "ask" ? "ask" : "__end__"))
  .compile();

let server: TestServer;
const clients: Record<string, Client> = {};

beforeAll(async () => {
  server = await startTestServer({
    graphs: { notes },
    modules: [langGraphApi],
    runtime: { audit: { log: new MemoryAuditLog() } },
  });
  for (const tenant of ["acme", "globex"]) {
    const apiKey = await server.key(tenant, ["admin"]);
    clients[tenant] = new Client({ apiUrl: server.url, apiKey, callerOptions: { maxRetries: 0 } });
  }
});
afterAll(() => server.close());

const run = (client: Client, threadId: string, item: string) =>
  client.runs.wait(threadId, "notes", { input: {}, config: { configurable: { item } } });

const history = async (client: Client, threadId: string) =>
  (await client.threads.getHistory(threadId, { limit: 100 })).map((s) => [
    s.checkpoint.checkpoint_id,
    s.values,
    s.next,
  ]);

describe("copying a thread", () => {
  it("copies metadata, values and history; the copy then goes its own way", async () => {
    const client = clients.acme!;
    const source = await client.threads.create({ metadata: { owner: "ada" } });
    await run(client, source.thread_id, "a");
    await run(client, source.thread_id, "b");

    const copy = await client.threads.copy(source.thread_id);
    expect(copy.thread_id).not.toBe(source.thread_id);
    expect(copy.metadata).toMatchObject({ owner: "ada" });
    expect(copy.values).toEqual({ items: ["a", "b"] });
    expect(copy.status).toBe("idle");
    const copied = await history(client, copy.thread_id);
    expect(copied.length).toBeGreaterThan(2);
    expect(copied).toEqual(await history(client, source.thread_id));

    await run(client, copy.thread_id, "c");
    expect((await client.threads.getState(copy.thread_id)).values).toEqual({
      items: ["a", "b", "c"],
    });
    expect((await client.threads.getState(source.thread_id)).values).toEqual({
      items: ["a", "b"],
    });
    expect((await server.runtime.store.saver.verify(copy.thread_id)).ok).toBe(true);
  });

  it("copies a thread waiting on an interrupt, and each resumes on its own", async () => {
    const client = clients.acme!;
    const source = await client.threads.create();
    await run(client, source.thread_id, "ask");
    expect((await client.threads.get(source.thread_id)).status).toBe("interrupted");

    const copy = await client.threads.copy(source.thread_id);
    expect(copy.status).toBe("interrupted");
    const waiting = await client.threads.getState(copy.thread_id);
    expect(waiting.next).toEqual(["ask"]);
    expect(waiting.tasks[0]?.interrupts.map((i) => i.value)).toEqual(["approve?"]);

    await client.runs.wait(copy.thread_id, "notes", { command: { resume: true } });
    expect((await client.threads.getState(copy.thread_id)).values).toMatchObject({
      approved: true,
    });
    expect((await client.threads.get(source.thread_id)).status).toBe("interrupted");
  });

  it("answers 404 for another tenant's thread and records the copy in the audit trail", async () => {
    const source = await clients.acme!.threads.create();
    await expect(clients.globex!.threads.copy(source.thread_id)).rejects.toMatchObject({
      status: 404,
    });
    const copy = await clients.acme!.threads.copy(source.thread_id);
    await server.runtime.audit?.flush();
    const events = (await server.runtime.audit?.log.list({ tenant: "acme" })) ?? [];
    const copied = events.filter((e) => e.kind === "thread.copied");
    expect(copied.at(-1)).toMatchObject({
      threadId: copy.thread_id,
      data: { from: source.thread_id, checkpoints: 0 },
    });
  });
});
