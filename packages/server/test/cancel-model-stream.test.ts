/**
 * Cancel during a model stream, end to end: a graph streams a reply from the offline `sim` model
 * through the gateway of @conclave/models, the client reads it over HTTP SSE (LangGraph's
 * `POST /threads/{id}/runs/stream`, `messages-tuple` mode) and cancels the run
 * (`POST /threads/{id}/runs/{run_id}/cancel`) once the first tokens have arrived.
 *
 * The sim runs on an injected clock that lets the first tokens through and then holds the
 * stream until its AbortSignal fires, so the cancel always lands mid-stream (no sleeps, no
 * races). The test checks that the SSE stream ends, the run ends cancelled ("interrupted" on the
 * wire), the model call's signal fired and the sim produced nothing more, the gateway metered
 * nothing as a completed call, and the thread is idle and answers the next run. The second test
 * checks the gateway's ledger: the cancelled call is recorded as cancelled with the tokens it
 * delivered, and its budget reservation is settled, not left held.
 */
import {
  MemoryBudgetStore,
  MemoryLedger,
  type Message,
  MessagesAnnotation,
  type NodeConfig,
  START,
  StateGraph,
} from "@conclave/core";
import { createGateway, createRegistry, type SimClock } from "@conclave/models";
import { streamText } from "ai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { langGraphApi } from "../src/langgraph/index.ts";
import { startTestServer, type TestServer } from "./harness.ts";
import { eventually } from "./langgraph-fixtures.ts";

/** Tokens the sim may stream before the clock holds it. */
const FREE_TOKENS = 3;

/**
 * A sim clock that lets the first `FREE_TOKENS` tokens through (the time-to-first-token sleep
 * and one sleep per later token), then holds every sleep until its signal aborts, until
 * `release()`. It counts what the sim does after an abort.
 */
function holdingClock() {
  let sleeps = 0;
  let holding = true;
  let markHeld: () => void = () => undefined;
  const state = {
    held: new Promise<void>((resolve) => {
      markHeld = resolve;
    }),
    abortedWhileHeld: 0,
    sleepsAfterAbort: 0,
    release() {
      holding = false;
    },
  };
  const clock: SimClock = {
    now: () => Date.now(),
    sleep(_ms, signal) {
      if (signal?.aborted) {
        state.sleepsAfterAbort++;
        return Promise.reject(signal.reason);
      }
      if (!holding || ++sleeps <= FREE_TOKENS) return Promise.resolve();
      markHeld();
      return new Promise((_resolve, reject) =>
        signal?.addEventListener(
          "abort",
          () => {
            state.abortedWhileHeld++;
            reject(signal.reason);
          },
          { once: true },
        ),
      );
    },
  };
  return { clock, state };
}

const { clock, state } = holdingClock();
const signals: AbortSignal[] = [];
const ledger = new MemoryLedger();
const budgets = new MemoryBudgetStore();
const gateway = createGateway({
  registry: createRegistry({
    deployments: [{ id: "sim-fast", alias: "fast", provider: "sim", model: "sim-fast" }],
    sim: {
      seed: 5,
      clock,
      // Sees every call's options, to check later that its AbortSignal fired.
      responder: (request) => {
        if (request.options.abortSignal) signals.push(request.options.abortSignal);
        return undefined;
      },
    },
  }),
  aliases: { fast: { strategy: "ordered" } },
  ledger,
  budgets,
});

const lastText = (messages: Message[]) => String(messages.at(-1)?.content ?? "");
const writer = new StateGraph(MessagesAnnotation)
  .addNode("model", async (s: typeof MessagesAnnotation.State, config: NodeConfig) => {
    const result = streamText({
      model: gateway.forNode(config).model("fast"),
      prompt: lastText(s.messages),
      abortSignal: config.signal,
    });
    return { messages: [{ role: "assistant", content: await result.text }] };
  })
  .addEdge(START, "model")
  .compile();

let server: TestServer;
let key: string;

beforeAll(async () => {
  await budgets.setBudget({
    id: "all",
    scope: { kind: "global" },
    limitPico: 10n ** 15n,
    period: "none",
    action: "fail",
  });
  server = await startTestServer({ graphs: { writer }, modules: [langGraphApi] });
  key = await server.key("acme");
});
afterAll(() => server.close());

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  const json: Record<string, string> =
    body === undefined ? {} : { "content-type": "application/json" };
  return fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...json },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
}

interface SseEvent {
  event: string;
  data: unknown;
}

/** The SSE events of a response, as they arrive. */
async function* sse(res: Response): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const field = (name: string) =>
        block
          .split("\n")
          .find((line) => line.startsWith(`${name}: `))
          ?.slice(name.length + 2);
      const event = field("event");
      if (event) yield { event, data: JSON.parse(field("data") ?? "null") };
    }
  }
}

/** The token text of a `messages` (messages-tuple) event: `[chunk, metadata]`. */
const tokenOf = (e: SseEvent) =>
  e.event === "messages" ? String((e.data as [{ content?: unknown }])[0]?.content ?? "") : "";

it("cancels a run mid model stream: the stream ends, the call aborts, the thread goes on", async () => {
  const thread = (await (await api("POST", "/threads", {})).json()) as { thread_id: string };
  const input = { messages: [{ role: "user", content: "Write a long essay about durable runs." }] };
  const res = await api("POST", `/threads/${thread.thread_id}/runs/stream`, {
    assistant_id: "writer",
    input,
    stream_mode: ["messages-tuple"],
  });
  expect(res.status).toBe(200);
  const events = sse(res);
  const before: SseEvent[] = [];
  let runId = "";
  // next() rather than for-await, whose break would cancel the response body.
  while (before.map(tokenOf).filter(Boolean).length < FREE_TOKENS) {
    const { value, done } = await events.next();
    if (done) throw new Error(`the stream ended before ${FREE_TOKENS} tokens`);
    before.push(value);
    if (value.event === "metadata") runId = (value.data as { run_id: string }).run_id;
  }
  await state.held;
  const cancelled = await api("POST", `/threads/${thread.thread_id}/runs/${runId}/cancel`);
  expect(cancelled.status).toBe(202);

  // The stream ends by itself, with nothing more from the model.
  const after: SseEvent[] = [];
  for await (const event of events) after.push(event);
  expect(after.map(tokenOf).filter(Boolean)).toEqual([]);
  expect(after.at(-1)?.event).toBe("end");

  // The run ended cancelled: "interrupted" on LangGraph's wire.
  const run = await eventually(async () => {
    const got = (await (await api("GET", `/threads/${thread.thread_id}/runs/${runId}`)).json()) as {
      status: string;
    };
    return got.status === "pending" || got.status === "running" ? undefined : got;
  }, "the run to end");
  expect(run.status).toBe("interrupted");
  expect((await server.runtime.store.runs.get("acme", runId))?.status).toBe("cancelled");

  // The model call was aborted: its signal fired while the sim held the stream, and the sim
  // started nothing after it.
  expect(signals).toHaveLength(1);
  expect(signals[0]?.aborted).toBe(true);
  expect(state.abortedWhileHeld).toBe(1);
  expect(state.sleepsAfterAbort).toBe(0);

  // The gateway metered no completed call for it: only the cancelled one (see below).
  const records = await ledger.list({ runId });
  expect(records.filter((r) => r.status !== "cancelled")).toEqual([]);

  // The thread is idle and answers the next run in full.
  const idle = (await (await api("GET", `/threads/${thread.thread_id}`)).json()) as {
    status: string;
  };
  expect(idle.status).toBe("idle");
  state.release();
  const next = await api("POST", `/threads/${thread.thread_id}/runs/wait`, {
    assistant_id: "writer",
    input: { messages: [{ role: "user", content: "Now a short one." }] },
  });
  expect(next.status).toBe(200);
  const nextRunId = next.headers.get("content-location")?.split("/").at(-1) ?? "";
  const values = (await next.json()) as { messages: { type: string; content: string }[] };
  expect(values.messages.at(-1)).toMatchObject({ type: "ai" });
  expect(values.messages.at(-1)?.content).toContain("[simulated]");
  const threadAfter = (await (await api("GET", `/threads/${thread.thread_id}`)).json()) as {
    status: string;
  };
  expect(threadAfter.status).toBe("idle");
  // The ledger finds a run's calls by run id: the completed one is there.
  const metered = await ledger.list({ runId: nextRunId });
  expect(metered.map((r) => [r.status, r.streamed])).toEqual([["ok", true]]);
  cancelledRun = runId;
});

let cancelledRun = "";

// A stream cut short is metered from what was sent and delivered (the stream tap's `abandon`),
// and its budget reservation is settled to that, never left held.
it("meters the cancelled call as cancelled and releases its budget reservation", async () => {
  expect(cancelledRun).not.toBe("");
  const [record] = await ledger.list({ runId: cancelledRun });
  expect(record).toMatchObject({ status: "cancelled", streamed: true });
  expect(record!.tokens.outputText).toBeGreaterThanOrEqual(FREE_TOKENS);
  const [budget] = await budgets.status(new Date());
  expect(budget?.reservedPico).toBe(0n);
});
