/**
 * compile() options and invoke(): checkpointer, interruptBefore, interruptAfter (compile time
 * and per call), name, resuming with invoke(null), and EmptyInputError.
 * LangGraph 1.7 marks a static breakpoint in the invoke() result with an empty `__interrupt__`.
 */
import { captureError, differential, type Lib, summariseSnapshot } from "./harness.ts";

function pipeline(lib: Lib, options: Parameters<ReturnType<typeof builder>["compile"]>[0] = {}) {
  return builder(lib).compile({ checkpointer: new lib.MemorySaver(), ...options });
}

function builder(lib: Lib) {
  const State = lib.Annotation.Root({
    trace: lib.Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  });
  return new lib.StateGraph(State)
    .addNode("plan", () => ({ trace: ["plan"] }))
    .addNode("act", () => ({ trace: ["act"] }))
    .addNode("report", () => ({ trace: ["report"] }))
    .addEdge(lib.START, "plan")
    .addEdge("plan", "act")
    .addEdge("act", "report");
}

const thread = (id: string) => ({ configurable: { thread_id: id } });

differential(
  "interruptBefore stops before the node; invoke(null) resumes",
  async (lib) => {
    const graph = pipeline(lib, { interruptBefore: ["act"] });
    const first = await graph.invoke({ trace: ["in"] }, thread("t"));
    const paused = summariseSnapshot(await graph.getState(thread("t")));
    const second = await graph.invoke(null, thread("t"));
    const done = summariseSnapshot(await graph.getState(thread("t")));
    return { first, paused: { next: paused.next, step: paused.step }, second, done: done.next };
  },
  {
    first: { __interrupt__: [], trace: ["in", "plan"] },
    paused: { next: ["act"], step: 1 },
    second: { trace: ["in", "plan", "act", "report"] },
    done: [],
  },
);

differential(
  "interruptAfter stops after the node ran; invoke(null) resumes",
  async (lib) => {
    const graph = pipeline(lib, { interruptAfter: ["plan", "act"] });
    const outs = [await graph.invoke({}, thread("t"))];
    outs.push(await graph.invoke(null, thread("t")));
    outs.push(await graph.invoke(null, thread("t")));
    return { outs, next: (await graph.getState(thread("t"))).next };
  },
  {
    outs: [
      { __interrupt__: [], trace: ["plan"] },
      { __interrupt__: [], trace: ["plan", "act"] },
      { trace: ["plan", "act", "report"] },
    ],
    next: [],
  },
);

differential(
  "interruptBefore '*' stops before every node",
  async (lib) => {
    const graph = pipeline(lib, { interruptBefore: "*" });
    const nexts: unknown[] = [];
    await graph.invoke({}, thread("t"));
    for (let i = 0; i < 4; i++) {
      nexts.push((await graph.getState(thread("t"))).next);
      await graph.invoke(null, thread("t"));
    }
    return { nexts, final: (await graph.getState(thread("t"))).values };
  },
  {
    nexts: [["plan"], ["act"], ["report"], []],
    final: { trace: ["plan", "act", "report"] },
  },
);

differential(
  "per-call interruptBefore/interruptAfter override the compiled ones",
  async (lib) => {
    const graph = pipeline(lib);
    const before = await graph.invoke({}, { ...thread("a"), interruptBefore: ["report"] });
    const after = await graph.invoke({}, { ...thread("b"), interruptAfter: ["plan"] });
    return {
      before,
      beforeNext: (await graph.getState(thread("a"))).next,
      after,
      afterNext: (await graph.getState(thread("b"))).next,
    };
  },
  {
    before: { __interrupt__: [], trace: ["plan", "act"] },
    beforeNext: ["report"],
    after: { __interrupt__: [], trace: ["plan"] },
    afterNext: ["act"],
  },
);

differential(
  "new input on an interrupted thread restarts from START and keeps reducer state",
  async (lib) => {
    const graph = pipeline(lib, { interruptBefore: ["act"] });
    await graph.invoke({ trace: ["first"] }, thread("t"));
    const again = await graph.invoke({ trace: ["second"] }, thread("t"));
    return { again, next: (await graph.getState(thread("t"))).next };
  },
  { again: { __interrupt__: [], trace: ["first", "plan", "second", "plan"] }, next: ["act"] },
);

differential(
  "compile({ name }) names the graph",
  async (lib) => {
    const graph = builder(lib).compile({ name: "planner" });
    return { name: graph.name, out: await graph.invoke({}) };
  },
  { name: "planner", out: { trace: ["plan", "act", "report"] } },
);

differential(
  "invoke(null) with nothing to resume throws EmptyInputError",
  async (lib) => {
    const graph = pipeline(lib);
    const fresh = await captureError(() => graph.invoke(null, thread("fresh")));
    await graph.invoke({}, thread("done"));
    const finished = await captureError(() => graph.invoke(null, thread("done")));
    return {
      fresh,
      finished,
      isEmptyInput: "threw" in fresh && fresh.threw instanceof lib.EmptyInputError,
    };
  },
  {
    fresh: { threw: { error: "EmptyInputError" } },
    finished: { returned: { trace: ["plan", "act", "report"] } },
    isEmptyInput: true,
  },
);

differential(
  "a thread keeps state across invocations with the same thread_id; other threads do not see it",
  async (lib) => {
    const graph = pipeline(lib);
    await graph.invoke({ trace: ["one"] }, thread("x"));
    const second = await graph.invoke({ trace: ["two"] }, thread("x"));
    const other = await graph.invoke({ trace: ["solo"] }, thread("y"));
    return { second, other };
  },
  {
    second: { trace: ["one", "plan", "act", "report", "two", "plan", "act", "report"] },
    other: { trace: ["solo", "plan", "act", "report"] },
  },
);

differential(
  "static breakpoints stream an empty __interrupt__ update, after the last node too",
  async (lib) => {
    const updates = async (options: Parameters<typeof pipeline>[1], id: string) => {
      const chunks: unknown[] = [];
      const graph = pipeline(lib, options);
      for await (const chunk of await graph.stream({}, { ...thread(id), streamMode: "updates" }))
        chunks.push(chunk);
      return chunks;
    };
    return {
      before: await updates({ interruptBefore: ["act"] }, "b"),
      afterLast: await updates({ interruptAfter: ["report"] }, "a"),
    };
  },
  {
    before: [{ plan: { trace: ["plan"] } }, { __interrupt__: [] }],
    afterLast: [
      { plan: { trace: ["plan"] } },
      { act: { trace: ["act"] } },
      { report: { trace: ["report"] } },
      { __interrupt__: [] },
    ],
  },
);
