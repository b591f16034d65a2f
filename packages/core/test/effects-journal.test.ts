import { Annotation, Command, interrupt, MemorySaver, START, StateGraph } from "@conclave/core";
import { describe, expect, it } from "vitest";

const State = Annotation.Root({
  log: Annotation<string[], string | string[]>({
    reducer: (a, b) => a.concat(b),
    default: () => [],
  }),
});
const thread = (id: string) => ({ configurable: { thread_id: id } });

describe("config.conclave.effect: journaled side effects", () => {
  it("replays recorded effects when a node re-runs after an interrupt", async () => {
    let calls = 0;
    const graph = new StateGraph(State)
      .addNode("agent", async (_s, config) => {
        const first = await config.conclave.effect("model", () => `answer-${++calls}`);
        const approved = interrupt<string, string>(`approve ${first}?`);
        const second = await config.conclave.effect("tool", () => `tool-${++calls}`);
        return { log: [first, approved, second] };
      })
      .addEdge(START, "agent")
      .compile({ checkpointer: new MemorySaver() });
    const paused = await graph.invoke({}, thread("i"));
    expect(paused.__interrupt__?.[0]).toMatchObject({ value: "approve answer-1?" });
    const done = await graph.invoke(new Command({ resume: "yes" }), thread("i"));
    expect(done.log).toEqual(["answer-1", "yes", "tool-2"]);
    expect(calls).toBe(2);
  });

  it("replays effects when a failed step is resumed, so a paid call is not repeated", async () => {
    let calls = 0;
    let fail = true;
    const graph = new StateGraph(State)
      .addNode("agent", async (_s, config) => {
        const answer = await config.conclave.effect("model", () => `answer-${++calls}`);
        if (fail) throw new Error("parser broke after the model call");
        return { log: answer };
      })
      .addEdge(START, "agent")
      .compile({ checkpointer: new MemorySaver() });
    await expect(graph.invoke({}, thread("f"))).rejects.toThrow("parser broke");
    fail = false;
    expect((await graph.invoke(null, thread("f"))).log).toEqual(["answer-1"]);
    expect(calls).toBe(1);
  });

  it("fails clearly when a re-run calls its effects in a different order", async () => {
    let first = true;
    const graph = new StateGraph(State)
      .addNode("agent", async (_s, config) => {
        await config.conclave.effect(first ? "model" : "tool", () => 1);
        first = false;
        interrupt("wait");
        return {};
      })
      .addEdge(START, "agent")
      .compile({ checkpointer: new MemorySaver() });
    await graph.invoke({}, thread("n"));
    await expect(graph.invoke(new Command({ resume: 1 }), thread("n"))).rejects.toMatchObject({
      code: "NONDETERMINISTIC_EFFECT",
    });
  });

  it("annotations land in the step's checkpoint metadata", async () => {
    const graph = new StateGraph(State)
      .addNode("agent", (_s, config) => {
        config.conclave.annotate("usage", { tokens: 12, costPico: 3400n });
        return { log: "ok" };
      })
      .addEdge(START, "agent")
      .compile({ checkpointer: new MemorySaver() });
    await graph.invoke({}, thread("a"));
    const latest = await graph.getState(thread("a"));
    expect(latest.metadata?.tasks).toEqual([
      { id: expect.any(String), name: "agent", usage: [{ tokens: 12, costPico: 3400n }] },
    ]);
  });
});
