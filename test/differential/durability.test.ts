/**
 * Durability modes: "sync" and "async" write every checkpoint, "exit" only the last one (or
 * the one at an interrupt or error). Compared by history count, steps and sources.
 */
import { captureError, differential, type Lib, summariseHistory } from "./harness.ts";

type Durability = "sync" | "async" | "exit";

function pipeline(lib: Lib, failAt?: string) {
  const State = lib.Annotation.Root({
    trace: lib.Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  });
  const node = (name: string) => () => {
    if (name === failAt) throw new Error(`${name} failed`);
    return { trace: [name] };
  };
  return new lib.StateGraph(State)
    .addNode("a", node("a"))
    .addNode("b", node("b"))
    .addNode("c", node("c"))
    .addEdge(lib.START, "a")
    .addEdge("a", "b")
    .addEdge("b", "c")
    .compile({ checkpointer: new lib.MemorySaver() });
}

async function historyAfter(lib: Lib, durability: Durability) {
  const graph = pipeline(lib);
  const config = { configurable: { thread_id: durability } };
  const out = await graph.invoke({}, { ...config, durability });
  const history = await summariseHistory(graph.getStateHistory(config));
  return {
    out,
    count: history.length,
    steps: history.map((s) => `${String(s.source)}@${String(s.step)}`),
    latest: history[0]?.values,
  };
}

differential(
  "durability sync and async keep every checkpoint; exit keeps only the final one",
  async (lib) => ({
    sync: await historyAfter(lib, "sync"),
    async: await historyAfter(lib, "async"),
    exit: await historyAfter(lib, "exit"),
  }),
  {
    sync: {
      out: { trace: ["a", "b", "c"] },
      count: 5,
      steps: ["loop@3", "loop@2", "loop@1", "loop@0", "input@-1"],
      latest: { trace: ["a", "b", "c"] },
    },
    async: {
      out: { trace: ["a", "b", "c"] },
      count: 5,
      steps: ["loop@3", "loop@2", "loop@1", "loop@0", "input@-1"],
      latest: { trace: ["a", "b", "c"] },
    },
    exit: {
      out: { trace: ["a", "b", "c"] },
      count: 1,
      steps: ["loop@3"],
      latest: { trace: ["a", "b", "c"] },
    },
  },
);

differential(
  "durability exit at an interrupt keeps one checkpoint, and the run resumes from it",
  async (lib) => {
    const State = lib.Annotation.Root({
      answer: lib.Annotation<string>(),
      pre: lib.Annotation<string>(),
    });
    const graph = new lib.StateGraph(State)
      .addNode("prepare", () => ({ pre: "done" }))
      .addNode("ask", () => ({ answer: lib.interrupt<string, string>("?") }))
      .addEdge(lib.START, "prepare")
      .addEdge("prepare", "ask")
      .compile({ checkpointer: new lib.MemorySaver() });
    const config = { configurable: { thread_id: "t" }, durability: "exit" as const };
    await graph.invoke({}, config);
    const paused = await summariseHistory(graph.getStateHistory(config));
    const done = await graph.invoke(new lib.Command({ resume: "yes" }), config);
    const after = await summariseHistory(graph.getStateHistory(config));
    return {
      paused: paused.map((s) => ({ step: s.step, next: s.next, values: s.values })),
      done,
      afterCount: after.length,
    };
  },
  {
    paused: [{ step: 1, next: ["ask"], values: { pre: "done" } }],
    done: { pre: "done", answer: "yes" },
    afterCount: 2,
  },
);

differential(
  "durability exit on an error keeps the checkpoint before the failing step",
  async (lib) => {
    const graph = pipeline(lib, "c");
    const config = { configurable: { thread_id: "t" }, durability: "exit" as const };
    const result = await captureError(() => graph.invoke({}, config));
    const history = await summariseHistory(graph.getStateHistory(config));
    return {
      result,
      history: history.map((s) => ({ step: s.step, next: s.next, values: s.values })),
    };
  },
  {
    result: { threw: { error: "Error", message: "c failed" } },
    history: [{ step: 2, next: ["c"], values: { trace: ["a", "b"] } }],
  },
);

differential(
  "durability sync: the error leaves the full history up to the failing step",
  async (lib) => {
    const graph = pipeline(lib, "b");
    const config = { configurable: { thread_id: "t" }, durability: "sync" as const };
    await captureError(() => graph.invoke({}, config));
    const history = await summariseHistory(graph.getStateHistory(config));
    return history.map((s) => ({ step: s.step, next: s.next }));
  },
  [
    { step: 1, next: ["b"] },
    { step: 0, next: ["a"] },
    { step: -1, next: ["__start__"] },
  ],
);
