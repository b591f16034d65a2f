/**
 * interrupt() and resume: a single interrupt, two in one node (the Nth resume value goes to the
 * Nth call), parallel interrupts resumed by a map keyed by interrupt id, interrupts in Send
 * tasks, re-execution from the top of the node, and isInterrupted / INTERRUPT.
 *
 * LangGraph's interrupted invoke() result is the last `values` chunk plus `__interrupt__`: when
 * nothing was written before the interrupt (empty input), the state keys are absent, and writes
 * of parallel siblings that finished are included.
 */
import { captureError, deferred, differential, type Lib, summariseSnapshot } from "./harness.ts";

function answerState(lib: Lib) {
  return lib.Annotation.Root({
    answers: lib.Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  });
}

const thread = { configurable: { thread_id: "t" } };

type Interrupted = { __interrupt__?: { id?: string; value?: unknown }[] };

function interruptIds(result: unknown): string[] {
  return ((result as Interrupted).__interrupt__ ?? []).map((i) => i.id ?? "");
}

differential(
  "a single interrupt pauses the run; Command({ resume }) returns the value to interrupt()",
  async (lib) => {
    const runs: string[] = [];
    const graph = new lib.StateGraph(answerState(lib))
      .addNode("ask", () => {
        runs.push("ask");
        const answer = lib.interrupt<{ question: string }, string>({ question: "name?" });
        return { answers: [answer] };
      })
      .addEdge(lib.START, "ask")
      .compile({ checkpointer: new lib.MemorySaver() });
    const paused = await graph.invoke({}, thread);
    const snapshot = summariseSnapshot(await graph.getState(thread));
    const done = await graph.invoke(new lib.Command({ resume: "Ada" }), thread);
    return {
      paused,
      isInterrupted: lib.isInterrupted(paused),
      viaConstant: (paused as Record<string, unknown>)[lib.INTERRUPT] !== undefined,
      snapshot: { next: snapshot.next, tasks: snapshot.tasks },
      done,
      runs,
    };
  },
  {
    paused: { __interrupt__: [{ value: { question: "name?" }, id: "<id>" }] },
    isInterrupted: true,
    viaConstant: true,
    snapshot: {
      next: ["ask"],
      tasks: [{ name: "ask", interrupts: [{ value: { question: "name?" }, id: "<id>" }] }],
    },
    done: { answers: ["Ada"] },
    runs: ["ask", "ask"],
  },
);

differential(
  "two interrupts in one node: the node re-runs from the top and the Nth call gets the Nth value",
  async (lib) => {
    const effects: string[] = [];
    const graph = new lib.StateGraph(answerState(lib))
      .addNode("form", () => {
        effects.push("start");
        const first = lib.interrupt<string, string>("first?");
        effects.push(`got first=${first}`);
        const second = lib.interrupt<string, string>("second?");
        return { answers: [first, second] };
      })
      .addEdge(lib.START, "form")
      .compile({ checkpointer: new lib.MemorySaver() });
    const one = await graph.invoke({}, thread);
    const two = await graph.invoke(new lib.Command({ resume: "A" }), thread);
    const three = await graph.invoke(new lib.Command({ resume: "B" }), thread);
    return { one, two, three, effects };
  },
  {
    one: { __interrupt__: [{ value: "first?", id: "<id>" }] },
    two: { answers: [], __interrupt__: [{ value: "second?", id: "<id>" }] },
    three: { answers: ["A", "B"] },
    effects: ["start", "start", "got first=A", "start", "got first=A"],
  },
);

function twoAskers(lib: Lib) {
  const runs: string[] = [];
  const graph = new lib.StateGraph(answerState(lib))
    .addNode("alice", () => {
      runs.push("alice");
      return { answers: [`alice:${lib.interrupt<string, string>("alice?")}`] };
    })
    .addNode("bob", () => {
      runs.push("bob");
      return { answers: [`bob:${lib.interrupt<string, string>("bob?")}`] };
    })
    .addNode("steady", () => {
      runs.push("steady");
      return { answers: ["steady"] };
    })
    .addEdge(lib.START, "alice")
    .addEdge(lib.START, "bob")
    .addEdge(lib.START, "steady")
    .compile({ checkpointer: new lib.MemorySaver() });
  return { graph, runs };
}

differential(
  "parallel interrupts are resumed together with a map keyed by interrupt id",
  async (lib) => {
    const { graph, runs } = twoAskers(lib);
    const paused = await graph.invoke({}, thread);
    const interrupts = (paused as Interrupted).__interrupt__ ?? [];
    const resume = Object.fromEntries(interrupts.map((i) => [i.id, `re ${String(i.value)}`]));
    const done = await graph.invoke(new lib.Command({ resume }), thread);
    return { paused, distinctIds: new Set(interruptIds(paused)).size, done, runs };
  },
  {
    paused: {
      answers: ["steady"],
      __interrupt__: [
        { value: "alice?", id: "<id>" },
        { value: "bob?", id: "<id>" },
      ],
    },
    distinctIds: 2,
    done: { answers: ["alice:re alice?", "bob:re bob?", "steady"] },
    runs: ["alice", "bob", "steady", "alice", "bob"],
  },
);

differential(
  "resuming one of two parallel interrupts by id leaves the other pending",
  async (lib) => {
    const { graph } = twoAskers(lib);
    const paused = await graph.invoke({}, thread);
    const [aliceId] = interruptIds(paused);
    const half = await graph.invoke(
      new lib.Command({ resume: { [aliceId ?? ""]: "one" } }),
      thread,
    );
    const [bobId] = interruptIds(half);
    const done = await graph.invoke(new lib.Command({ resume: { [bobId ?? ""]: "two" } }), thread);
    return { half, done };
  },
  {
    half: { answers: ["alice:one", "steady"], __interrupt__: [{ value: "bob?", id: "<id>" }] },
    done: { answers: ["alice:one", "bob:two", "steady"] },
  },
);

differential(
  "a single plain resume value with two pending interrupts goes to both",
  async (lib) => {
    const { graph } = twoAskers(lib);
    await graph.invoke({}, thread);
    return graph.invoke(new lib.Command({ resume: "same" }), thread);
  },
  { answers: ["alice:same", "bob:same", "steady"] },
);

differential(
  "interrupts inside Send tasks are resumed by id",
  async (lib) => {
    const State = lib.Annotation.Root({
      answers: lib.Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
    });
    const graph = new lib.StateGraph(State)
      .addNode("ask", (arg: { who: string }) => ({
        answers: [`${arg.who}=${lib.interrupt<string, string>(`ask ${arg.who}`)}`],
      }))
      .addConditionalEdges(lib.START, () => ["x", "y"].map((who) => new lib.Send("ask", { who })))
      .compile({ checkpointer: new lib.MemorySaver() });
    const paused = await graph.invoke({}, thread);
    const interrupts = (paused as Interrupted).__interrupt__ ?? [];
    const resume = Object.fromEntries(interrupts.map((i) => [i.id, String(i.value).toUpperCase()]));
    return { paused, done: await graph.invoke(new lib.Command({ resume }), thread) };
  },
  {
    paused: {
      __interrupt__: [
        { value: "ask x", id: "<id>" },
        { value: "ask y", id: "<id>" },
      ],
    },
    done: { answers: ["x=ASK X", "y=ASK Y"] },
  },
);

differential(
  "interrupt() after awaits in parallel nodes belongs to the right task",
  async (lib) => {
    const leftGo = deferred();
    const rightGo = deferred();
    const graph = new lib.StateGraph(answerState(lib))
      .addNode("left", async () => {
        await leftGo.promise;
        return { answers: [`left:${lib.interrupt<string, string>("left?")}`] };
      })
      .addNode("right", async () => {
        rightGo.resolve();
        await rightGo.promise;
        leftGo.resolve();
        await Promise.resolve();
        return { answers: [`right:${lib.interrupt<string, string>("right?")}`] };
      })
      .addEdge(lib.START, "left")
      .addEdge(lib.START, "right")
      .compile({ checkpointer: new lib.MemorySaver() });
    const paused = await graph.invoke({}, thread);
    const snapshot = summariseSnapshot(await graph.getState(thread));
    return { paused, tasks: snapshot.tasks };
  },
  {
    paused: {
      __interrupt__: [
        { value: "left?", id: "<id>" },
        { value: "right?", id: "<id>" },
      ],
    },
    tasks: [
      { name: "left", interrupts: [{ value: "left?", id: "<id>" }] },
      { name: "right", interrupts: [{ value: "right?", id: "<id>" }] },
    ],
  },
);

differential(
  "interrupt() without a checkpointer fails",
  async (lib) => {
    const graph = new lib.StateGraph(answerState(lib))
      .addNode("ask", () => ({ answers: [lib.interrupt<string, string>("q")] }))
      .addEdge(lib.START, "ask")
      .compile();
    return captureError(() => graph.invoke({}));
  },
  { threw: { error: "GraphValueError", lc_error_code: "MISSING_CHECKPOINTER" } },
);

differential(
  "isInterrupted is false for a finished run",
  async (lib) => {
    const graph = new lib.StateGraph(answerState(lib))
      .addNode("a", () => ({ answers: ["a"] }))
      .addEdge(lib.START, "a")
      .compile({ checkpointer: new lib.MemorySaver() });
    const out = await graph.invoke({}, thread);
    return { out, isInterrupted: lib.isInterrupted(out) };
  },
  { out: { answers: ["a"] }, isInterrupted: false },
);

differential(
  "interrupts in consecutive nodes: each resume value answers only the pending interrupt",
  async (lib) => {
    const graph = new lib.StateGraph(answerState(lib))
      .addNode("first", () => ({ answers: [lib.interrupt<string, string>("first?")] }))
      .addNode("second", () => ({ answers: [lib.interrupt<string, string>("second?")] }))
      .addEdge(lib.START, "first")
      .addEdge("first", "second")
      .compile({ checkpointer: new lib.MemorySaver() });
    const one = await graph.invoke({}, thread);
    const two = await graph.invoke(new lib.Command({ resume: "A" }), thread);
    const three = await graph.invoke(new lib.Command({ resume: "B" }), thread);
    return { one, two, three };
  },
  {
    one: { __interrupt__: [{ id: "<id>", value: "first?" }] },
    two: { answers: ["A"], __interrupt__: [{ id: "<id>", value: "second?" }] },
    three: { answers: ["A", "B"] },
  },
);

differential(
  "a node that catches errors rethrows interrupts with isGraphBubbleUp; errors extend BaseLangGraphError",
  async (lib) => {
    const State = lib.Annotation.Root({ answer: lib.Annotation<string>() });
    const graph = new lib.StateGraph(State)
      .addNode("ask", () => {
        try {
          return { answer: String(lib.interrupt("name?")) };
        } catch (error) {
          if (lib.isGraphBubbleUp(error)) throw error;
          return { answer: "swallowed" };
        }
      })
      .addEdge(lib.START, "ask")
      .compile({ checkpointer: new lib.MemorySaver() });
    const config = { configurable: { thread_id: "bubble" } };
    const paused = await graph.invoke({}, config);
    const resumed = await graph.invoke(new lib.Command({ resume: "Ada" }), config);
    const loop = new lib.StateGraph(State)
      .addNode("again", () => ({ answer: "x" }))
      .addEdge(lib.START, "again")
      .addEdge("again", "again")
      .compile();
    let base = false;
    try {
      await loop.invoke({}, { recursionLimit: 3 });
    } catch (error) {
      base = error instanceof lib.BaseLangGraphError && !lib.isGraphBubbleUp(error);
    }
    return { paused: "__interrupt__" in paused, resumed: resumed.answer, base };
  },
  { paused: true, resumed: "Ada", base: true },
);
