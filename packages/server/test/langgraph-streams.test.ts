/**
 * Run streams through the official SDK: LangGraph's stream modes (messages-tuple, legacy
 * messages, custom), resuming with `Last-Event-ID` (explicitly, and by the SDK's own reconnect
 * after a dropped connection), cancelling during a stream, cancel-on-disconnect, and the
 * multitask strategies on a busy thread.
 */
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, eventually, gate, startLangGraphServer } from "./langgraph-fixtures.ts";

let server: Awaited<ReturnType<typeof startLangGraphServer>>;
let client: Client;

beforeAll(async () => {
  server = await startLangGraphServer();
  client = await server.client("acme");
});
afterAll(() => server.close());

const hello = { messages: [{ type: "human", content: "hi", id: "h-1" }] };

describe("stream modes", () => {
  it("streams messages-tuple as [chunk, metadata] message events, and custom events", async () => {
    const { thread_id } = await client.threads.create();
    const events = await collect(
      client.runs.stream(thread_id, "chat", {
        input: hello,
        streamMode: ["messages-tuple", "custom"],
      }),
    );
    expect(events.map((e) => e.event)).toEqual([
      "metadata",
      "custom",
      "messages",
      "messages",
      "end",
    ]);
    expect(events[1]!.data).toEqual({ progress: "thinking" });
    expect(events[2]!.data).toEqual([
      { type: "ai", content: "Hel", id: "m-1" },
      expect.objectContaining({ model: "sim", langgraph_node: "reply" }),
    ]);
  });

  it("streams legacy messages as messages/metadata, /partial and /complete", async () => {
    const { thread_id } = await client.threads.create();
    const events = await collect(
      client.runs.stream(thread_id, "chat", { input: hello, streamMode: "messages" }),
    );
    expect(events.map((e) => e.event)).toEqual([
      "metadata",
      "messages/complete",
      "messages/metadata",
      "messages/partial",
      "messages/partial",
      "messages/complete",
      "end",
    ]);
    expect(events[1]!.data).toEqual([expect.objectContaining({ id: "h-1", content: "hi" })]);
    expect(events[2]!.data).toEqual({
      "m-1": { metadata: expect.objectContaining({ model: "sim" }) },
    });
    expect(events[3]!.data).toEqual([{ type: "ai", content: "Hel", id: "m-1" }]);
    expect(events[4]!.data).toEqual([{ type: "ai", content: "Hello", id: "m-1" }]);
    expect(events[5]!.data).toEqual([expect.objectContaining({ id: "m-1", content: "Hello" })]);
  });

  it("streams a LangChain chat model's tokens as plain message chunks", async () => {
    const { thread_id } = await client.threads.create();
    const events = await collect(
      client.runs.stream(thread_id, "langchain", { input: hello, streamMode: "messages-tuple" }),
    );
    const [note, ...chunks] = events.filter((e) => e.event === "messages").map((e) => e.data);
    expect(note![0]).toEqual({ type: "generic", content: "note", id: "n-1" });
    expect(chunks.map(([chunk]) => chunk.content)).toEqual(["H", "e", "y"]);
    const [first, metadata] = chunks[0]!;
    // The state's plain message shape, not LangChain's serialised constructor form.
    expect(first).toEqual(
      expect.objectContaining({ type: "ai", content: "H", id: expect.stringMatching(/^run-/) }),
    );
    expect(first).not.toHaveProperty("lc");
    expect(metadata).toEqual(
      expect.objectContaining({ langgraph_node: "reply", ls_provider: "FakeListChatModel" }),
    );
    expect(new Set(chunks.map(([chunk]) => chunk.id))).toEqual(new Set([first.id]));
    const state = await client.threads.getState<{ messages: { id: string; content: string }[] }>(
      thread_id,
    );
    expect(state.values.messages.at(-1)).toEqual(
      expect.objectContaining({ id: first.id, content: "Hey" }),
    );
  });

  it("accepts modes the engine lacks (events) and sends nothing for them", async () => {
    const events = await collect(
      client.runs.stream(null, "counter", { input: { n: 1 }, streamMode: ["events"] }),
    );
    expect(events.map((e) => e.event)).toEqual(["metadata", "end"]);
  });
});

describe("resumable streams", () => {
  it("replays only the events after Last-Event-ID, with the ids they had", async () => {
    const { thread_id } = await client.threads.create();
    const first = await collect(
      client.runs.stream(thread_id, "counter", {
        input: { n: 1 },
        streamMode: ["values", "updates"],
      }),
    );
    const runId = (first[0]!.data as { run_id: string }).run_id;
    const tail = await collect(client.runs.joinStream(thread_id, runId, { lastEventId: "3" }));
    expect(tail).toEqual(first.slice(3));
    const values = await collect(
      client.runs.joinStream(thread_id, runId, { streamMode: "values" }),
    );
    expect(values.map((e) => e.event)).toEqual(["metadata", "values", "values", "values", "end"]);
  });

  it("lets the SDK reconnect a dropped stream and resume it without gaps or repeats", async () => {
    const g = gate("resume");
    const requests: { method: string; lastEventId: string | null }[] = [];
    let drop!: () => void;
    const dropped = new Promise<void>((resolve) => {
      drop = resolve;
    });
    let cut = false;
    const flaky = async (url: string | URL | Request, init?: RequestInit) => {
      const response = await fetch(url, init);
      const lastEventId = new Headers(init?.headers).get("last-event-id");
      requests.push({ method: init?.method ?? "GET", lastEventId });
      if (lastEventId) g.open(); // the rest of the run happens while the client is reconnected
      if (cut || !String(url).endsWith("/runs/stream")) return response;
      cut = true;
      return dropWhen(response, dropped);
    };
    const apiKey = await server.key("acme", ["runs:read", "runs:write"]);
    const sdk = new Client({
      apiUrl: server.url,
      apiKey,
      callerOptions: { maxRetries: 0, fetch: flaky },
    });
    const { thread_id } = await sdk.threads.create();
    const stream = sdk.runs.stream(thread_id, "gated", {
      input: { gate: "resume" },
      streamMode: ["values", "updates"],
    });
    const events = [];
    for await (const event of stream) if (events.push(event) === 1) drop();
    const ids = events.map((e) => Number(e.id));
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    expect(events.map((e) => e.event).slice(-3)).toEqual(["updates", "values", "end"]);
    expect(events.at(-2)!.data).toEqual({ gate: "resume", log: ["resume"] });
    const reconnects = requests.filter((r) => r.lastEventId !== null);
    expect(reconnects).toEqual([{ method: "GET", lastEventId: expect.stringMatching(/^\d+$/) }]);
  });
});

/** The response, cut like a dropped connection once `drop` settles (after its first chunk). */
function dropWhen(response: Response, drop: Promise<void>): Response {
  const reader = response.body!.getReader();
  let sent = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent) {
        await drop;
        await reader.cancel();
        controller.error(new TypeError("network error: connection terminated"));
        return;
      }
      const { done, value } = await reader.read();
      if (done) return controller.close();
      sent = true;
      controller.enqueue(value);
    },
  });
  return new Response(body, { status: response.status, headers: response.headers });
}

describe("cancel", () => {
  it("cancels a running run while streaming it: the stream ends, the run is interrupted", async () => {
    const g = gate("never-1");
    const { thread_id } = await client.threads.create();
    const events = [];
    for await (const event of client.runs.stream(thread_id, "gated", {
      input: { gate: "never-1" },
    })) {
      events.push(event);
      if (event.event !== "metadata") continue;
      await eventually(async () => (g.entered > 0 ? true : undefined), "the run to start");
      await client.runs.cancel(thread_id, (event.data as { run_id: string }).run_id);
    }
    expect(events.map((e) => e.event)).toEqual(["metadata", "values", "end"]);
    const [run] = await client.runs.list(thread_id);
    expect(run).toMatchObject({ status: "interrupted" });
    expect((await client.threads.get(thread_id)).status).toBe("idle");
  });

  it("ends the stream of a queued run cancelled before it started", async () => {
    const g = gate("blocker-1");
    const { thread_id } = await client.threads.create();
    const first = await client.runs.create(thread_id, "gated", { input: { gate: "blocker-1" } });
    const queued = await client.runs.create(thread_id, "gated", {
      input: { gate: "free" },
      multitaskStrategy: "enqueue",
    });
    const stream = collect(client.runs.joinStream(thread_id, queued.run_id));
    await client.runs.cancel(thread_id, queued.run_id, true);
    expect((await stream).map((e) => e.event)).toEqual(["end"]);
    expect(await client.runs.get(thread_id, queued.run_id)).toMatchObject({
      status: "interrupted",
    });
    g.open();
    expect(await client.runs.join(thread_id, first.run_id)).toMatchObject({ log: ["blocker-1"] });
  });

  it("cancels with wait and rollback: the run is gone and its work undone", async () => {
    const { thread_id } = await client.threads.create();
    await client.runs.wait(thread_id, "gated", { input: { gate: "open" } });
    const g = gate("never-2");
    const run = await client.runs.create(thread_id, "gated", { input: { gate: "never-2" } });
    await eventually(async () => (g.entered > 0 ? true : undefined), "the run to start");
    await client.runs.cancel(thread_id, run.run_id, true, "rollback");
    await expect(client.runs.get(thread_id, run.run_id)).rejects.toMatchObject({ status: 404 });
    expect((await client.threads.getState(thread_id)).values).toEqual({
      gate: "open",
      log: ["open"],
    });
  });

  it("cancels a run when a join-stream with cancel_on_disconnect is dropped", async () => {
    const g = gate("never-3");
    const { thread_id } = await client.threads.create();
    const run = await client.runs.create(thread_id, "gated", { input: { gate: "never-3" } });
    await eventually(async () => (g.entered > 0 ? true : undefined), "the run to start");
    const controller = new AbortController();
    const stream = client.runs.joinStream(thread_id, run.run_id, {
      cancelOnDisconnect: true,
      signal: controller.signal,
    });
    for await (const event of stream) if (event.event === "metadata") controller.abort();
    await eventually(async () => {
      const current = await client.runs.get(thread_id, run.run_id);
      return current.status === "interrupted" ? current : undefined;
    }, "the dropped stream's run to be cancelled");
  });
});

describe("on_disconnect", () => {
  it("cancels a streamed run when its client leaves, and only then", async () => {
    const { thread_id } = await client.threads.create();
    const whole = await collect(
      client.runs.stream(thread_id, "counter", { input: { n: 1 }, onDisconnect: "cancel" }),
    );
    expect(whole.at(-1)).toMatchObject({ event: "end", data: { status: "success" } });
    const g = gate("never-4");
    const controller = new AbortController();
    let runId = "";
    const stream = client.runs.stream(thread_id, "gated", {
      input: { gate: "never-4" },
      onDisconnect: "cancel",
      signal: controller.signal,
    });
    for await (const event of stream) {
      runId = (event.data as { run_id: string }).run_id;
      await eventually(async () => (g.entered > 0 ? true : undefined), "the run to start");
      controller.abort();
    }
    await eventually(async () => {
      const run = await client.runs.get(thread_id, runId);
      return run.status === "interrupted" ? run : undefined;
    }, "the abandoned run to be cancelled");
  });
});

describe("multitask strategies", () => {
  it("rejects a second run on a busy thread with 409, enqueues one when asked", async () => {
    const g = gate("busy-1");
    const { thread_id } = await client.threads.create();
    const first = await client.runs.create(thread_id, "gated", { input: { gate: "busy-1" } });
    await expect(
      client.runs.create(thread_id, "gated", { input: { gate: "x" }, multitaskStrategy: "reject" }),
    ).rejects.toMatchObject({ status: 409, text: expect.stringContaining("already running") });
    const second = await client.runs.create(thread_id, "gated", {
      input: { gate: "after" },
      multitaskStrategy: "enqueue",
    });
    expect(second.status).toBe("pending");
    g.open();
    expect(await client.runs.join(thread_id, second.run_id)).toMatchObject({
      log: ["busy-1", "after"],
    });
    expect((await client.runs.get(thread_id, first.run_id)).status).toBe("success");
  });

  it("interrupts the running run for a new one with multitask_strategy interrupt", async () => {
    const g = gate("busy-2");
    const { thread_id } = await client.threads.create();
    const first = await client.runs.create(thread_id, "gated", { input: { gate: "busy-2" } });
    await eventually(async () => (g.entered > 0 ? true : undefined), "the first run to start");
    const second = await client.runs.wait(thread_id, "gated", {
      input: { gate: "next" },
      multitaskStrategy: "interrupt",
    });
    expect(second).toMatchObject({ log: ["next"] });
    expect((await client.runs.get(thread_id, first.run_id)).status).toBe("interrupted");
  });

  it("ends the streams of queued runs a new run displaces", async () => {
    const g = gate("busy-3");
    const { thread_id } = await client.threads.create();
    await client.runs.create(thread_id, "gated", { input: { gate: "busy-3" } });
    const queued = await client.runs.create(thread_id, "gated", {
      input: { gate: "queued" },
      multitaskStrategy: "enqueue",
    });
    const stream = collect(client.runs.joinStream(thread_id, queued.run_id));
    await eventually(async () => (g.entered > 0 ? true : undefined), "the first run to start");
    const last = await client.runs.wait(thread_id, "gated", {
      input: { gate: "last" },
      multitaskStrategy: "rollback",
    });
    expect(last).toMatchObject({ log: ["last"] });
    expect((await stream).map((e) => e.event)).toEqual(["end"]);
    await expect(client.runs.get(thread_id, queued.run_id)).rejects.toMatchObject({ status: 404 });
  });
});
