/** Annotation.Root state: last-value keys, reducers, defaults, Overwrite, unknown keys. */
import { captureError, differential, type Lib } from "./harness.ts";

function counterState(lib: Lib) {
  return lib.Annotation.Root({
    log: lib.Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => ["init"] }),
    total: lib.Annotation<number>({ reducer: (a, b) => a + b, default: () => 10 }),
    last: lib.Annotation<string>(),
  });
}

differential(
  "reducers apply to input and node updates; defaults seed reducer keys",
  async (lib) => {
    const graph = new lib.StateGraph(counterState(lib))
      .addNode("a", () => ({ log: ["a"], total: 1, last: "a" }))
      .addNode("b", (s) => ({ log: [`b saw ${s.log.length}`], total: 2, last: "b" }))
      .addEdge(lib.START, "a")
      .addEdge("a", "b")
      .addEdge("b", lib.END)
      .compile();
    return graph.invoke({ log: ["in"], total: 5 });
  },
  { log: ["init", "in", "a", "b saw 3"], total: 18, last: "b" },
);

differential(
  "defaults alone when the input omits reducer keys; last-value key unset stays absent",
  async (lib) => {
    const graph = new lib.StateGraph(counterState(lib))
      .addNode("a", (s) => ({ log: [`last=${String(s.last)}`] }))
      .addEdge(lib.START, "a")
      .compile();
    const out = await graph.invoke({ total: 0 });
    return { out, hasLast: "last" in out };
  },
  { out: { log: ["init", "last=undefined"], total: 10 }, hasLast: false },
);

differential(
  "a node returning an empty object changes nothing; keys outside the schema are dropped",
  async (lib) => {
    const graph = new lib.StateGraph(counterState(lib))
      .addNode("a", () => ({}))
      .addNode("b", () => ({ last: "b", stray: 1 }) as { last: string })
      .addEdge(lib.START, "a")
      .addEdge("a", "b")
      .compile();
    return graph.invoke({ last: "in", extra: true } as { last: string });
  },
  { log: ["init"], total: 10, last: "b" },
);

differential(
  "Overwrite replaces a reducer value instead of reducing it",
  async (lib) => {
    const graph = new lib.StateGraph(counterState(lib))
      .addNode("a", () => ({ log: ["a"] }))
      .addNode("reset", () => ({ log: new lib.Overwrite(["reset"]) as unknown as string[] }))
      .addNode("c", () => ({ log: ["c"] }))
      .addEdge(lib.START, "a")
      .addEdge("a", "reset")
      .addEdge("reset", "c")
      .compile();
    return graph.invoke({ log: ["in"] });
  },
  { log: ["reset", "c"], total: 10 },
);

differential(
  "Overwrite in the input replaces the default",
  async (lib) => {
    const graph = new lib.StateGraph(counterState(lib))
      .addNode("a", () => ({ log: ["a"] }))
      .addEdge(lib.START, "a")
      .compile();
    return graph.invoke({ log: new lib.Overwrite(["only"]) as unknown as string[] });
  },
  { log: ["only", "a"], total: 10 },
);

differential(
  "two Overwrites of one key in the same step fail the step",
  async (lib) => {
    const graph = new lib.StateGraph(counterState(lib))
      .addNode("a", () => ({ log: new lib.Overwrite(["a"]) as unknown as string[] }))
      .addNode("b", () => ({ log: new lib.Overwrite(["b"]) as unknown as string[] }))
      .addEdge(lib.START, "a")
      .addEdge(lib.START, "b")
      .compile();
    return captureError(() => graph.invoke({}));
  },
  { threw: { error: "InvalidUpdateError" } },
);

differential(
  "state is a snapshot per step: a node never sees a sibling's write of the same step",
  async (lib) => {
    const graph = new lib.StateGraph(counterState(lib))
      .addNode("a", (s) => ({ log: [`a saw total ${s.total}`], total: 100 }))
      .addNode("b", (s) => ({ log: [`b saw total ${s.total}`], total: 1000 }))
      .addNode("c", (s) => ({ log: [`c saw total ${s.total}`] }))
      .addEdge(lib.START, "a")
      .addEdge(lib.START, "b")
      .addEdge(["a", "b"], "c")
      .compile();
    return graph.invoke({ total: 0 });
  },
  { log: ["init", "a saw total 10", "b saw total 10", "c saw total 1110"], total: 1110 },
);

differential(
  "a reducer receives the update exactly as the node returned it",
  async (lib) => {
    const seen: unknown[] = [];
    const State = lib.Annotation.Root({
      bag: lib.Annotation<Record<string, number>, Record<string, number> | null>({
        reducer: (current, update) => {
          seen.push(update);
          return update === null ? {} : { ...current, ...update };
        },
        default: () => ({}),
      }),
    });
    const graph = new lib.StateGraph(State)
      .addNode("a", () => ({ bag: { a: 1 } }))
      .addNode("clear", () => ({ bag: null }))
      .addNode("b", () => ({ bag: { b: 2 } }))
      .addEdge(lib.START, "a")
      .addEdge("a", "clear")
      .addEdge("clear", "b")
      .compile();
    const out = await graph.invoke({ bag: { in: 0 } });
    return { out, seen };
  },
  { out: { bag: { b: 2 } }, seen: [{ in: 0 }, { a: 1 }, null, { b: 2 }] },
);

differential(
  "values and getState show every state channel (input, output and private ones); invoke returns the output keys",
  async (lib) => {
    const Input = lib.Annotation.Root({ q: lib.Annotation<string>() });
    const Output = lib.Annotation.Root({ a: lib.Annotation<string>() });
    const State = lib.Annotation.Root({
      q: lib.Annotation<string>(),
      a: lib.Annotation<string>(),
      secret: lib.Annotation<string>(),
    });
    const Private = lib.Annotation.Root({ q: lib.Annotation<string>(), hidden: lib.Annotation() });
    const graph = new lib.StateGraph({ state: State, input: Input, output: Output })
      .addNode("x", () => ({ secret: "s", hidden: "h" }) as never, { input: Private })
      .addNode("y", (s: { q: string }) => ({ a: `${s.q}!` }))
      .addEdge(lib.START, "x")
      .addEdge("x", "y")
      .compile({ checkpointer: new lib.MemorySaver() });
    const config = { configurable: { thread_id: "t" } };
    const values: unknown[] = [];
    for await (const chunk of await graph.stream({ q: "hi" }, { ...config, streamMode: "values" }))
      values.push(chunk);
    const state = (await graph.getState(config)).values;
    const invoked = await graph.invoke({ q: "yo" }, { configurable: { thread_id: "u" } });
    return { values, state, invoked };
  },
  {
    values: [
      { q: "hi" },
      { q: "hi", secret: "s", hidden: "h" },
      { q: "hi", a: "hi!", secret: "s", hidden: "h" },
    ],
    state: { q: "hi", a: "hi!", secret: "s", hidden: "h" },
    invoked: { a: "yo!" },
  },
);

differential(
  "a key declared as Annotation<T>, uncalled, holds the last value written",
  async (lib) => {
    const State = lib.Annotation.Root({
      topic: lib.Annotation<string>,
      count: lib.Annotation<number>,
      log: lib.Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
    });
    const graph = new lib.StateGraph(State)
      .addNode("a", (s) => ({ topic: `${s.topic}!`, count: 1, log: ["a"] }))
      .addNode("b", (s) => ({ count: s.count + 1, log: [`b saw ${s.topic}`] }))
      .addEdge(lib.START, "a")
      .addEdge("a", "b")
      .compile();
    return graph.invoke({ topic: "agents" });
  },
  { topic: "agents!", count: 2, log: ["a", "b saw agents!"] },
);

differential(
  "new StateGraph(State, { input, output }) narrows what the graph takes and returns",
  async (lib) => {
    const State = lib.Annotation.Root({
      question: lib.Annotation<string>(),
      answer: lib.Annotation<string>(),
      scratch: lib.Annotation<string>(),
    });
    const Input = lib.Annotation.Root({ question: lib.Annotation<string>() });
    const Output = lib.Annotation.Root({ answer: lib.Annotation<string>() });
    const graph = new lib.StateGraph(State, { input: Input, output: Output })
      .addNode("a", (s) => ({ answer: `re ${s.question}`, scratch: "x" }))
      .addEdge(lib.START, "a")
      .compile();
    return graph.invoke({ question: "why" });
  },
  { answer: "re why" },
);
