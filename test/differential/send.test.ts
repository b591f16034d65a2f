/**
 * Send: map-reduce fan-out where each task gets its own argument as its whole input, merge
 * order by Send index, the join after the fan-out, Send from Command.goto, and bad targets.
 */
import { captureError, deferred, differential, type Lib } from "./harness.ts";

function jokeState(lib: Lib) {
  return lib.Annotation.Root({
    subjects: lib.Annotation<string[]>(),
    jokes: lib.Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
    best: lib.Annotation<string>(),
  });
}

differential(
  "Send fans out one task per item; the join sees every result",
  async (lib) => {
    const inputs: unknown[] = [];
    const graph = new lib.StateGraph(jokeState(lib))
      .addNode("joke", (arg: { subject: string }) => {
        inputs.push(arg);
        return { jokes: [`joke about ${arg.subject}`] };
      })
      .addNode("pick", (s) => ({ best: s.jokes[s.jokes.length - 1] }))
      .addConditionalEdges(lib.START, (s) =>
        s.subjects.map((subject) => new lib.Send("joke", { subject })),
      )
      .addEdge("joke", "pick")
      .compile();
    const out = await graph.invoke({ subjects: ["cats", "dogs", "owls"] });
    return { out, inputs };
  },
  {
    out: {
      subjects: ["cats", "dogs", "owls"],
      jokes: ["joke about cats", "joke about dogs", "joke about owls"],
      best: "joke about owls",
    },
    inputs: [{ subject: "cats" }, { subject: "dogs" }, { subject: "owls" }],
  },
);

differential(
  "Send results merge in Send order even when tasks finish in reverse",
  async (lib) => {
    const done = [deferred(), deferred(), deferred()];
    const finished: number[] = [];
    const State = lib.Annotation.Root({
      out: lib.Annotation<number[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
    });
    const graph = new lib.StateGraph(State)
      .addNode("work", async (arg: { i: number }) => {
        if (arg.i < 2) await done[arg.i + 1]!.promise;
        finished.push(arg.i);
        done[arg.i]!.resolve();
        return { out: [arg.i] };
      })
      .addConditionalEdges(lib.START, () => [0, 1, 2].map((i) => new lib.Send("work", { i })))
      .compile();
    const out = await graph.invoke({});
    return { out, finished };
  },
  { out: { out: [0, 1, 2] }, finished: [2, 1, 0] },
);

differential(
  "a Send to a node beside a normal edge: pull tasks merge before push tasks",
  async (lib) => {
    const graph = new lib.StateGraph(jokeState(lib))
      .addNode("start", () => ({ jokes: ["start"] }))
      .addNode("zeta", () => ({ jokes: ["zeta(edge)"] }))
      .addNode("alpha", (arg: { n: number }) => ({ jokes: [`alpha(send ${arg.n})`] }))
      .addEdge(lib.START, "start")
      .addEdge("start", "zeta")
      .addConditionalEdges("start", () => [
        new lib.Send("alpha", { n: 1 }),
        new lib.Send("alpha", { n: 2 }),
      ])
      .compile();
    return graph.invoke({ subjects: [] });
  },
  { subjects: [], jokes: ["start", "zeta(edge)", "alpha(send 1)", "alpha(send 2)"] },
);

differential(
  "Command({ goto: [Send, ...] }) fans out from a node",
  async (lib) => {
    const graph = new lib.StateGraph(jokeState(lib))
      .addNode(
        "plan",
        (s: { subjects: string[] }) =>
          new lib.Command({
            update: { best: "pending" },
            goto: s.subjects.map((subject) => new lib.Send("joke", { subject })),
          }),
        { ends: ["joke"] },
      )
      .addNode("joke", (arg: { subject: string }) => ({ jokes: [arg.subject.toUpperCase()] }))
      .addEdge(lib.START, "plan")
      .compile();
    return graph.invoke({ subjects: ["a", "b"] });
  },
  { subjects: ["a", "b"], jokes: ["A", "B"], best: "pending" },
);

differential(
  "an empty Send list ends the run",
  async (lib) => {
    let ran = 0;
    const graph = new lib.StateGraph(jokeState(lib))
      .addNode("joke", () => {
        ran += 1;
        return { jokes: ["x"] };
      })
      .addConditionalEdges(lib.START, (s) =>
        s.subjects.map((subject) => new lib.Send("joke", { subject })),
      )
      .compile();
    return { out: await graph.invoke({ subjects: [] }), ran };
  },
  { out: { subjects: [], jokes: [] }, ran: 0 },
);

differential(
  "a Send to an unknown node fails the run",
  async (lib) => {
    const graph = new lib.StateGraph(jokeState(lib))
      .addNode("joke", () => ({ jokes: ["x"] }))
      .addConditionalEdges(lib.START, () => [new lib.Send("ghost", {})])
      .addEdge(lib.START, "joke")
      .compile();
    const result = await captureError(() => graph.invoke({ subjects: [] }));
    return { rejected: "threw" in result };
  },
  { rejected: true },
);

differential(
  "Send arguments are not checked against the state schema and do not enter the state",
  async (lib) => {
    const graph = new lib.StateGraph(jokeState(lib))
      .addNode("joke", (arg: { unrelated: number[] }) => ({
        jokes: [`sum ${arg.unrelated.reduce((a, b) => a + b, 0)}`],
      }))
      .addConditionalEdges(lib.START, () => [new lib.Send("joke", { unrelated: [1, 2, 3] })])
      .compile();
    return graph.invoke({ subjects: ["ignored"] });
  },
  { subjects: ["ignored"], jokes: ["sum 6"] },
);
