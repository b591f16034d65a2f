/**
 * Graphs and helpers for the LangGraph API tests: a counter, an approval graph that pauses on
 * `interrupt()`, a graph whose runs wait on a gate the test opens (or on a cancel), a chat graph
 * that streams message tokens and custom events, one whose LangChain chat model streams its
 * tokens, and one that fails. Tests reach the server only
 * through the official `@langchain/langgraph-sdk` Client.
 */
import {
  Annotation,
  interrupt,
  MessagesAnnotation,
  type NodeConfig,
  StateGraph,
} from "@conclave/core";
import { ChatMessage } from "@langchain/core/messages";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { Client } from "@langchain/langgraph-sdk";
import { langGraphApi } from "../src/langgraph/index.ts";
import { startTestServer, type TestServer } from "./harness.ts";

/** A promise the test resolves; waiters may also give up when their run is cancelled. */
export class Gate {
  #open!: () => void;
  readonly #opened = new Promise<void>((resolve) => {
    this.#open = resolve;
  });
  entered = 0;

  open(): void {
    this.#open();
  }

  wait(signal: AbortSignal): Promise<void> {
    this.entered++;
    return new Promise((resolve, reject) => {
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      void this.#opened.then(resolve);
    });
  }
}

/** Gates by name; a run of `gated` waits on the gate its input names. */
export const gates = new Map<string, Gate>();
export function gate(name: string): Gate {
  const made = new Gate();
  gates.set(name, made);
  return made;
}

const Log = Annotation.Root({
  log: Annotation<string[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
  gate: Annotation<string>(),
});

export const graphs = {
  counter: () =>
    new StateGraph(Annotation.Root({ n: Annotation<number>() }))
      .addNode("inc", (s: { n: number }) => ({ n: s.n + 1 }))
      .addNode("double", (s: { n: number }) => ({ n: s.n * 2 }))
      .addEdge("__start__", "inc")
      .addEdge("inc", "double"),
  approval: () =>
    new StateGraph(Annotation.Root({ topic: Annotation<string>(), answer: Annotation<string>() }))
      .addNode("ask", (s: { topic: string }) => ({
        answer: interrupt<{ question: string }, string>({ question: `Publish ${s.topic}?` }),
      }))
      .addNode("publish", (s: { answer: string }) => ({ answer: `${s.answer}!` }))
      .addEdge("__start__", "ask")
      .addEdge("ask", "publish"),
  gated: () =>
    new StateGraph(Log)
      .addNode("wait", async (s: { gate: string }, config: NodeConfig) => {
        await gates.get(s.gate)?.wait(config.signal);
        return { log: [s.gate] };
      })
      .addEdge("__start__", "wait"),
  chat: () =>
    new StateGraph(MessagesAnnotation)
      .addNode("reply", (_s: unknown, config: NodeConfig) => {
        config.writer({ progress: "thinking" });
        config.conclave.message({ type: "ai", content: "Hel", id: "m-1" }, { model: "sim" });
        config.conclave.message({ type: "ai", content: "lo", id: "m-1" }, { model: "sim" });
        return { messages: [{ type: "ai", content: "Hello", id: "m-1" }] };
      })
      .addEdge("__start__", "reply"),
  langchain: () =>
    new StateGraph(MessagesAnnotation)
      .addNode("reply", async (s: { messages: unknown[] }, config: NodeConfig) => {
        // A message kind the state has no type for still streams.
        config.conclave.message(new ChatMessage({ content: "note", role: "critic", id: "n-1" }));
        const model = new FakeListChatModel({ responses: ["Hey"] });
        return { messages: [await model.invoke(s.messages as never)] };
      })
      .addEdge("__start__", "reply"),
  failing: () =>
    new StateGraph(Annotation.Root({ n: Annotation<number>() }))
      .addNode("explode", () => {
        throw new Error("the reactor overheated");
      })
      .addEdge("__start__", "explode"),
};

/** A server with the LangGraph API and the test graphs, and SDK clients by tenant and scopes. */
export async function startLangGraphServer(
  options: Partial<Parameters<typeof startTestServer>[0]> = {},
): Promise<
  TestServer & {
    client(tenant: string, scopes?: ("runs:read" | "runs:write" | "admin")[]): Promise<Client>;
  }
> {
  const server = await startTestServer({ graphs, modules: [langGraphApi], ...options });
  return Object.assign(server, {
    async client(tenant: string, scopes: ("runs:read" | "runs:write" | "admin")[] = ["admin"]) {
      const apiKey = await server.key(tenant, scopes);
      // No retries: a failed request must fail the test at once.
      return new Client({ apiUrl: server.url, apiKey, callerOptions: { maxRetries: 0 } });
    },
  });
}

/** Collects an SDK stream's events. */
export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

/** Polls `check` until it returns a value (no fixed sleeps: fails after `timeoutMs`). */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
