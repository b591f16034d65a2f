import {
  Annotation,
  Command,
  END,
  interrupt,
  MemorySaver,
  MessagesAnnotation,
  Send,
  START,
  StateGraph,
} from "@conclave/core";
import { describe, expect, it } from "vitest";

const State = Annotation.Root({
  count: Annotation<number>(),
  items: Annotation<string[], string | string[]>({
    reducer: (a, b) => a.concat(b),
    default: () => [],
  }),
});

describe("smoke", () => {
  it("chain", async () => {
    const g = new StateGraph(State)
      .addNode("a", (s) => ({ count: s.count + 1, items: "a" }))
      .addNode("b", (s) => ({ count: s.count + 1, items: ["b"] }))
      .addEdge(START, "a")
      .addEdge("a", "b")
      .addEdge("b", END)
      .compile();
    expect(await g.invoke({ count: 0 })).toEqual({ count: 2, items: ["a", "b"] });
  });
  it("checkpointer + history + fanout", async () => {
    const saver = new MemorySaver();
    const g = new StateGraph(State)
      .addNode("plan", () => ({}))
      .addNode("work", (s: { count: number }) => ({ items: [`w${s.count}`] }))
      .addNode("join", (s) => ({ count: s.items.length }))
      .addEdge(START, "plan")
      .addConditionalEdges("plan", () => [1, 2, 3].map((i) => new Send("work", { count: i })))
      .addEdge("work", "join")
      .addEdge("join", END)
      .compile({ checkpointer: saver });
    const cfg = { configurable: { thread_id: "t1" } };
    const out = await g.invoke({ count: 0 }, cfg);
    expect(out).toEqual({ count: 3, items: ["w1", "w2", "w3"] });
    const hist = [];
    for await (const s of g.getStateHistory(cfg))
      hist.push([s.metadata?.step, s.metadata?.source, s.next]);
    console.log(JSON.stringify(hist));
    expect((await saver.verify("t1")).ok).toBe(true);
  });
  it("interrupt", async () => {
    const g = new StateGraph(State)
      .addNode("ask", () => {
        const v = interrupt<string, string>("q?");
        return { items: [v] };
      })
      .addEdge(START, "ask")
      .compile({ checkpointer: new MemorySaver() });
    const cfg = { configurable: { thread_id: "t2" } };
    const r1 = await g.invoke({ count: 0 }, cfg);
    expect(r1.__interrupt__).toHaveLength(1);
    const st = await g.getState(cfg);
    expect(st.next).toEqual(["ask"]);
    const r2 = await g.invoke(new Command({ resume: "yes" }), cfg);
    expect(r2).toEqual({ count: 0, items: ["yes"] });
  });
  it("stream + messages", async () => {
    const g = new StateGraph(MessagesAnnotation)
      .addNode("bot", (s) => ({
        messages: [{ role: "assistant", content: `echo ${s.messages.length}` }],
      }))
      .addEdge(START, "bot")
      .compile();
    const chunks = [];
    for await (const c of await g.stream(
      { messages: [["user", "hi"]] },
      { streamMode: ["updates", "values"] },
    ))
      chunks.push(c);
    console.log(JSON.stringify(chunks));
    expect(chunks.length).toBe(3);
  });
});

describe("maxConcurrency", () => {
  it("runs at most N tasks of a step at once, and rejects a bad value", async () => {
    let running = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const work = async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise<void>((resolve) => gates.push(resolve));
      running -= 1;
      return { items: ["x"] };
    };
    const graph = new StateGraph(State)
      .addNode("fan", () => ({}))
      .addNode("work", work)
      .addEdge(START, "fan")
      .addConditionalEdges("fan", () => [1, 2, 3, 4, 5].map((i) => new Send("work", { count: i })))
      .compile();
    const run = graph.invoke({ count: 0 }, { maxConcurrency: 2 });
    // Release tasks one by one as they queue; the limiter must never let more than 2 wait at once.
    let released = 0;
    while (released < 5) {
      await new Promise((resolve) => setImmediate(resolve));
      const gate = gates.shift();
      if (gate) {
        gate();
        released += 1;
      }
    }
    expect((await run).items).toHaveLength(5);
    expect(peak).toBe(2);
    await expect(graph.invoke({ count: 0 }, { maxConcurrency: 0 })).rejects.toMatchObject({
      code: "INVALID_MAX_CONCURRENCY",
    });
  });
});
