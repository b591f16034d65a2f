import { newId } from "@conclave/runtime";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { webSocketApi } from "../src/ws/index.ts";
import { startTestServer, type TestServer } from "./harness.ts";
import { createGraphs } from "./openai-graphs.ts";
import { connect, type Incoming, ofType, type TestSocket } from "./ws-client.ts";

let server: TestServer;
let releaseSlow: (text: string) => void;
let acme: string;
let globex: string;
let wsUrl: string;
const open: TestSocket[] = [];

beforeAll(async () => {
  const graphs = createGraphs();
  releaseSlow = graphs.releaseSlow;
  server = await startTestServer({ graphs: graphs.graphs, extensions: [webSocketApi] });
  acme = await server.key("acme", ["runs:write"]);
  globex = await server.key("globex", ["runs:write"]);
  wsUrl = `${server.url.replace(/^http/, "ws")}/ws`;
});
afterAll(async () => {
  for (const socket of open) socket.close();
  await server.close();
});

/** An authenticated socket for `key`, sending it in the first message. */
async function session(key: string): Promise<TestSocket> {
  const socket = await connect(wsUrl);
  open.push(socket);
  socket.send({ type: "auth", key });
  await socket.next(ofType("authenticated"));
  return socket;
}

/** A run whose event channel is open before it is queued, as streaming submitters do. */
async function submitStreamed(graph: string, text: string, thread?: string, tenant = "acme") {
  const runId = newId();
  server.runtime.events.open(runId);
  return server.runtime.submit({
    tenant,
    assistant: graph,
    thread,
    runId,
    input: { messages: [{ role: "user", content: text }] },
    streamMode: ["values", "updates"],
    multitaskStrategy: "enqueue",
  });
}

const runEvent = (runId: string) => (m: Incoming) =>
  m.type === "event" && m.channel === "run" && m.run_id === runId;

describe("WebSocket authentication", () => {
  it("accepts a key in a header, in ?api_key= or in a first auth message", async () => {
    const byHeader = await connect(wsUrl, { authorization: `Bearer ${acme}` });
    const byQuery = await connect(`${wsUrl}?api_key=${encodeURIComponent(acme)}`);
    const byMessage = await session(acme);
    open.push(byHeader, byQuery);
    await byHeader.next(ofType("authenticated"));
    await byQuery.next(ofType("authenticated"));
    for (const socket of [byHeader, byQuery, byMessage]) {
      expect(socket.messages[0]).toEqual({
        type: "authenticated",
        tenant: "acme",
        scopes: ["runs:write"],
      });
    }
  });

  it("closes with 4401 after a bad key, or a request before authenticating", async () => {
    const bad = await connect(wsUrl);
    bad.send({ type: "auth", key: "sk-wrong" });
    expect(await bad.next(ofType("error"))).toMatchObject({ code: "UNAUTHENTICATED" });
    expect((await bad.closed).code).toBe(4401);
    const early = await connect(wsUrl);
    early.send({ type: "subscribe", channel: "queue" });
    expect(await early.next(ofType("error"))).toMatchObject({
      code: "UNAUTHENTICATED",
      message: expect.stringContaining('"auth"'),
    });
    expect((await early.closed).code).toBe(4401);
  });

  it("answers bad messages with an error and keeps the socket open", async () => {
    const socket = await session(acme);
    socket.send("not json");
    expect(await socket.next(ofType("error"))).toMatchObject({ code: "BAD_MESSAGE" });
    socket.send({ type: "subscribe", channel: "run" });
    expect(await socket.next(ofType("error"))).toMatchObject({
      code: "BAD_MESSAGE",
      message: expect.stringContaining("run_id"),
    });
    socket.send({ type: "ping", id: 7 });
    expect(await socket.next(ofType("pong"))).toEqual({ type: "pong", id: 7 });
  });
});

describe("WebSocket run channel", () => {
  it("streams a run's events live through end, and resumes after last_event_id", async () => {
    const run = await submitStreamed("slow", "wait for it");
    const socket = await session(acme);
    socket.send({ type: "subscribe", id: "s1", channel: "run", run_id: run.runId });
    expect(await socket.next(ofType("subscribed"))).toMatchObject({ id: "s1", run_id: run.runId });
    expect(await socket.next(runEvent(run.runId))).toMatchObject({
      event: "metadata",
      event_id: 1,
    });
    releaseSlow("wait for it");
    const end = await socket.next((m) => runEvent(run.runId)(m) && m.event === "end");
    expect(end.data).toEqual({ status: "success" });
    const events = socket.messages.filter(runEvent(run.runId));
    expect(events.map((e) => e.event_id)).toEqual(events.map((_, i) => i + 1));
    expect(events.some((e) => e.event === "updates")).toBe(true);

    const resumed = await session(acme);
    resumed.send({ type: "subscribe", channel: "run", run_id: run.runId, last_event_id: 2 });
    await resumed.next((m) => runEvent(run.runId)(m) && m.event === "end");
    const replayed = resumed.messages.filter(runEvent(run.runId));
    expect(replayed).toEqual(events.slice(2));
  });

  it("refuses another tenant's run and thread as not found", async () => {
    const run = await submitStreamed("echo", "private", `acme-thread-${Date.now()}`);
    const intruder = await session(globex);
    intruder.send({ type: "subscribe", channel: "run", run_id: run.runId });
    expect(await intruder.next(ofType("error"))).toMatchObject({ code: "RUN_NOT_FOUND" });
    intruder.send({ type: "subscribe", channel: "thread", thread_id: run.threadId });
    expect(await intruder.next(ofType("error"))).toMatchObject({ code: "THREAD_NOT_FOUND" });
    expect(intruder.messages.some((m) => m.type === "event")).toBe(false);
  });
});

describe("WebSocket thread and queue channels", () => {
  it("reports the lifecycle of runs on a thread, a queued one included", async () => {
    const threadId = `thread-${newId()}`;
    await server.runtime.store.threads.create({ tenant: "acme", threadId }, new Date());
    const watcher = await session(acme);
    watcher.send({ type: "subscribe", channel: "thread", thread_id: threadId });
    await watcher.next(ofType("subscribed"));
    const chatter = await session(acme);
    chatter.send({
      type: "chat",
      assistant: "slow",
      thread: threadId,
      messages: [{ role: "user", content: `${threadId}/1` }],
    });
    const { run_id: first } = await chatter.next(ofType("chat:start"));
    const status = (runId: string, value: string) => (m: Incoming) =>
      m.type === "event" &&
      m.thread_id === threadId &&
      m.data.run_id === runId &&
      m.data.status === value;
    await watcher.next(status(first, "running"));
    // Queued behind the first run, the second starts with no store wake-up at all.
    const second = await submitStreamed("slow", `${threadId}/2`, threadId);
    await watcher.next(status(second.runId, "pending"));
    releaseSlow(`${threadId}/1`);
    await watcher.next(status(first, "success"));
    await watcher.next(status(second.runId, "running"));
    releaseSlow(`${threadId}/2`);
    const done = await watcher.next(status(second.runId, "success"));
    const statusesOf = (runId: string) =>
      watcher.messages
        .filter((m) => m.type === "event" && m.data.run_id === runId)
        .map((m) => m.data.status);
    expect(statusesOf(second.runId)).toEqual(["pending", "running", "success"]);
    expect(statusesOf(first).slice(-2)).toEqual(["running", "success"]);
    expect(done.data).toMatchObject({
      thread_id: threadId,
      assistant_id: second.assistantId,
      error: null,
    });
  });

  it("pushes the tenant's queue status on changes, at most every 250 ms", async () => {
    // Its own tenant, so runs other tests leave behind do not show in its counts.
    const socket = await session(await server.key("initech", ["runs:write"]));
    socket.send({ type: "subscribe", channel: "queue" });
    const queue = (running: number) => (m: Incoming) =>
      m.type === "event" && m.channel === "queue" && m.data.running === running;
    await socket.next(queue(0));
    const theirs = await server.runtime.submit({
      tenant: "globex",
      assistant: "slow",
      input: { messages: [{ role: "user", content: "globex queued" }] },
    });
    await submitStreamed("slow", "initech queued", undefined, "initech");
    const busy = await socket.next(queue(1));
    expect(Object.keys(busy.data.byTenant)).toEqual(["initech"]);
    await vi.waitFor(async () =>
      expect((await server.runtime.getRun("globex", theirs.runId)).status).toBe("running"),
    );
    // Another tenant's run starting and ending is not this tenant's change.
    releaseSlow("globex queued");
    await server.runtime.join("globex", theirs.runId);
    releaseSlow("initech queued");
    await socket.next(queue(0));
    const isStatus = (m: Incoming | undefined) => m?.type === "event" && m.channel === "queue";
    const times = socket.received.filter((_, i) => isStatus(socket.messages[i]));
    for (let i = 1; i < times.length; i++)
      expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(200);
    const statuses = socket.messages.filter(isStatus).map((m) => m.data);
    expect(statuses.length).toBeGreaterThanOrEqual(3);
    expect(statuses.every((s) => s.running <= 1 && !("globex" in s.byTenant))).toBe(true);
    socket.send({ type: "unsubscribe", channel: "queue" });
    await socket.next(ofType("unsubscribed"));
    socket.send({ type: "unsubscribe", channel: "queue" });
    expect(await socket.next(ofType("error"))).toMatchObject({ code: "NOT_SUBSCRIBED" });
  });
});

describe("WebSocket chat channel", () => {
  it("streams model tokens, then the reply they add up to", async () => {
    const socket = await session(acme);
    socket.send({
      type: "chat",
      id: "c1",
      assistant: "sim-chat",
      messages: [{ role: "user", content: "Tell me about queues" }],
    });
    const start = await socket.next(ofType("chat:start"));
    expect(start).toMatchObject({ id: "c1", thread_id: null, run_id: expect.any(String) });
    const end = await socket.next(ofType("chat:end"));
    const tokens = socket.messages.filter((m) => m.type === "chat:token");
    expect(tokens.length).toBeGreaterThan(3);
    expect(tokens.every((t) => t.run_id === start.run_id && t.id === "c1")).toBe(true);
    expect(end).toMatchObject({ status: "success", error: null, reply: { type: "ai" } });
    expect(tokens.map((t) => t.text).join("")).toBe(end.reply.content);
    expect(end.reply.content).toMatch(/^\[simulated\]/);
  });

  it("needs runs:write, and refuses unknown assistants", async () => {
    const reader = await session(await server.key("acme", ["runs:read"]));
    reader.send({ type: "chat", assistant: "echo", input: { messages: [] } });
    expect(await reader.next(ofType("error"))).toMatchObject({ code: "FORBIDDEN" });
    const writer = await session(acme);
    writer.send({ type: "chat", id: 3, assistant: "nope", input: {} });
    expect(await writer.next(ofType("error"))).toMatchObject({ id: 3, code: "MODEL_NOT_FOUND" });
  });

  it("cancels a chat's run when its socket closes", async () => {
    const socket = await session(acme);
    socket.send({ type: "chat", assistant: "slow", messages: [{ role: "user", content: "bye" }] });
    const { run_id: runId } = await socket.next(ofType("chat:start"));
    await vi.waitFor(async () =>
      expect((await server.runtime.getRun("acme", runId)).status).toBe("running"),
    );
    socket.close();
    await vi.waitFor(async () => {
      const run = await server.runtime.getRun("acme", runId);
      expect(run.cancelAction ?? run.status).toMatch(/interrupt|cancelled/);
    });
    releaseSlow("bye");
    expect((await server.runtime.join("acme", runId)).status).toBe("cancelled");
  });
});
