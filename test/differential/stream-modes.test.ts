/**
 * stream() with each mode alone (values, updates, custom, tasks, checkpoints, debug) and with
 * several modes at once, which yields [mode, chunk] tuples.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import {
  collect,
  differential,
  type Lib,
  summariseCheckpoint,
  summariseDebug,
  summariseTask,
} from "./harness.ts";

function twoStep(lib: Lib) {
  const State = lib.Annotation.Root({
    trace: lib.Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
    last: lib.Annotation<string>(),
  });
  return new lib.StateGraph(State)
    .addNode("first", (_s, config: LangGraphRunnableConfig) => {
      config.writer?.({ progress: "first:start" });
      config.writer?.("first:done");
      return { trace: ["first"], last: "first" };
    })
    .addNode("second", (_s, config: LangGraphRunnableConfig) => {
      config.writer?.({ progress: "second" });
      return { trace: ["second"] };
    })
    .addEdge(lib.START, "first")
    .addEdge("first", "second")
    .compile({ checkpointer: new lib.MemorySaver() });
}

const thread = { configurable: { thread_id: "t" } };

differential(
  "streamMode values: the full state after the input and after each step",
  async (lib) =>
    collect(twoStep(lib).stream({ trace: ["in"] }, { ...thread, streamMode: "values" })),
  [
    { trace: ["in"] },
    { trace: ["in", "first"], last: "first" },
    { trace: ["in", "first", "second"], last: "first" },
  ],
);

differential(
  "streamMode values: an empty input emits no initial chunk (nothing was written)",
  async (lib) => collect(twoStep(lib).stream({}, { ...thread, streamMode: "values" })),
  [
    { trace: ["first"], last: "first" },
    { trace: ["first", "second"], last: "first" },
  ],
);

differential(
  "streamMode updates: one { node: update } per task",
  async (lib) => collect(twoStep(lib).stream({}, { ...thread, streamMode: "updates" })),
  [{ first: { trace: ["first"], last: "first" } }, { second: { trace: ["second"] } }],
);

differential(
  "the default stream mode is updates",
  async (lib) => collect(twoStep(lib).stream({}, thread)),
  [{ first: { trace: ["first"], last: "first" } }, { second: { trace: ["second"] } }],
);

differential(
  "streamMode custom: whatever config.writer receives, in order",
  async (lib) => collect(twoStep(lib).stream({}, { ...thread, streamMode: "custom" })),
  [{ progress: "first:start" }, "first:done", { progress: "second" }],
);

differential(
  "streamMode tasks: a start event with input and a result event per task",
  async (lib) => {
    const chunks = await collect(twoStep(lib).stream({}, { ...thread, streamMode: "tasks" }));
    return chunks.map(summariseTask);
  },
  [
    { task_id: "task#0", name: "first", input: { trace: [] }, interrupts: [] },
    {
      task_id: "task#0",
      name: "first",
      result: { trace: ["first"], last: "first" },
      error: null,
      interrupts: [],
    },
    {
      task_id: "task#1",
      name: "second",
      input: { trace: ["first"], last: "first" },
      interrupts: [],
    },
    {
      task_id: "task#1",
      name: "second",
      result: { trace: ["second"] },
      error: null,
      interrupts: [],
    },
  ],
);

differential(
  "streamMode checkpoints: one snapshot per checkpoint, from the input checkpoint on",
  async (lib) => {
    const chunks = await collect(twoStep(lib).stream({}, { ...thread, streamMode: "checkpoints" }));
    return chunks.map(summariseCheckpoint);
  },
  [
    {
      values: { trace: [] },
      next: ["__start__"],
      step: -1,
      source: "input",
      checkpoint_id: "ckpt#0",
      tasks: [{ name: "__start__", interrupts: [] }],
    },
    {
      values: { trace: [] },
      next: ["first"],
      step: 0,
      source: "loop",
      checkpoint_id: "ckpt#1",
      parent_checkpoint_id: "ckpt#0",
      tasks: [{ name: "first", interrupts: [] }],
    },
    {
      values: { trace: ["first"], last: "first" },
      next: ["second"],
      step: 1,
      source: "loop",
      checkpoint_id: "ckpt#2",
      parent_checkpoint_id: "ckpt#1",
      tasks: [{ name: "second", interrupts: [] }],
    },
    {
      values: { trace: ["first", "second"], last: "first" },
      next: [],
      step: 2,
      source: "loop",
      checkpoint_id: "ckpt#3",
      parent_checkpoint_id: "ckpt#2",
      tasks: [],
    },
  ],
);

differential(
  "streamMode debug: checkpoint, task and task_result events with their step",
  async (lib) => {
    const chunks = await collect(twoStep(lib).stream({}, { ...thread, streamMode: "debug" }));
    return chunks.map(summariseDebug).map((c) => `${String(c.type)}@${String(c.step)}`);
  },
  [
    "checkpoint@-1",
    "checkpoint@0",
    "task@1",
    "task_result@1",
    "checkpoint@1",
    "task@2",
    "task_result@2",
    "checkpoint@2",
  ],
);

differential(
  "streamMode debug payloads match the tasks and checkpoints modes",
  async (lib) => {
    const chunks = await collect(twoStep(lib).stream({}, { ...thread, streamMode: "debug" }));
    return chunks.map(summariseDebug).slice(2, 5);
  },
  [
    {
      type: "task",
      step: 1,
      payload: { task_id: "task#0", name: "first", input: { trace: [] }, interrupts: [] },
    },
    {
      type: "task_result",
      step: 1,
      payload: {
        task_id: "task#0",
        name: "first",
        result: { trace: ["first"], last: "first" },
        error: null,
        interrupts: [],
      },
    },
    {
      type: "checkpoint",
      step: 1,
      payload: {
        values: { trace: ["first"], last: "first" },
        next: ["second"],
        step: 1,
        source: "loop",
        checkpoint_id: "ckpt#0",
        parent_checkpoint_id: "ckpt#1",
        tasks: [{ name: "second", interrupts: [] }],
      },
    },
  ],
);

differential(
  "several modes at once yield [mode, chunk] tuples in emission order",
  async (lib) =>
    collect(twoStep(lib).stream({}, { ...thread, streamMode: ["values", "updates", "custom"] })),
  [
    ["custom", { progress: "first:start" }],
    ["custom", "first:done"],
    ["updates", { first: { trace: ["first"], last: "first" } }],
    ["values", { trace: ["first"], last: "first" }],
    ["custom", { progress: "second" }],
    ["updates", { second: { trace: ["second"] } }],
    ["values", { trace: ["first", "second"], last: "first" }],
  ],
);

differential(
  "a one-element mode list still yields tuples",
  async (lib) => collect(twoStep(lib).stream({}, { ...thread, streamMode: ["updates"] })),
  [
    ["updates", { first: { trace: ["first"], last: "first" } }],
    ["updates", { second: { trace: ["second"] } }],
  ],
);

differential(
  "updates for a node that returns nothing, and for an interrupt",
  async (lib) => {
    const State = lib.Annotation.Root({ answer: lib.Annotation<string>() });
    const graph = new lib.StateGraph(State)
      .addNode("noop", () => ({}))
      .addNode("ask", () => ({ answer: lib.interrupt<string, string>("question?") }))
      .addEdge(lib.START, "noop")
      .addEdge("noop", "ask")
      .compile({ checkpointer: new lib.MemorySaver() });
    const first = await collect(graph.stream({}, { ...thread, streamMode: "updates" }));
    const resumed = await collect(
      graph.stream(new lib.Command({ resume: "42" }), { ...thread, streamMode: "updates" }),
    );
    return { first, resumed };
  },
  {
    first: [{ noop: {} }, { __interrupt__: [{ value: "question?", id: "<id>" }] }],
    resumed: [{ ask: { answer: "42" } }],
  },
);

differential(
  "invoke with another stream mode than values returns that mode's chunks",
  async (lib) => {
    const State = lib.Annotation.Root({ n: lib.Annotation<number>() });
    const graph = new lib.StateGraph(State)
      .addNode("a", (s: { n: number }) => ({ n: s.n + 1 }))
      .addNode("b", (s: { n: number }) => ({ n: s.n * 10 }))
      .addEdge(lib.START, "a")
      .addEdge("a", "b")
      .compile();
    return {
      updates: await graph.invoke({ n: 1 }, { streamMode: "updates" }),
      both: await graph.invoke({ n: 1 }, { streamMode: ["updates", "values"] }),
    };
  },
  {
    updates: [{ a: { n: 2 } }, { b: { n: 20 } }],
    both: [
      ["values", { n: 1 }],
      ["updates", { a: { n: 2 } }],
      ["values", { n: 2 }],
      ["updates", { b: { n: 20 } }],
      ["values", { n: 20 }],
    ],
  },
);

differential(
  "a subgraph with an output schema streams only its output keys (subgraphs: true)",
  async (lib) => {
    const Inner = lib.Annotation.Root({
      x: lib.Annotation<number>(),
      secret: lib.Annotation<number>(),
    });
    const Out = lib.Annotation.Root({ x: lib.Annotation<number>() });
    const inner = new lib.StateGraph({ state: Inner, output: Out })
      .addNode("i1", (s: { x: number }) => ({ secret: s.x * 100 }))
      .addNode("i2", (s: { x: number; secret: number }) => ({ x: s.x + s.secret }))
      .addEdge(lib.START, "i1")
      .addEdge("i1", "i2")
      .compile();
    const Parent = lib.Annotation.Root({ x: lib.Annotation<number>() });
    const graph = new lib.StateGraph(Parent)
      .addNode("sub", inner)
      .addEdge(lib.START, "sub")
      .compile();
    const chunks = await collect(
      await graph.stream({ x: 1 }, { streamMode: ["updates", "values"], subgraphs: true }),
    );
    return (chunks as [string[], string, unknown][])
      .filter(([ns]) => ns.length > 0)
      .map(([, mode, chunk]) => [mode, chunk]);
  },
  [
    ["values", { x: 1 }],
    ["updates", { i1: {} }],
    ["updates", { i2: { x: 101 } }],
    ["values", { x: 101 }],
  ],
);
