/**
 * Persistence and time travel: getState, getStateHistory (count, step and source sequence,
 * next, parent links), updateState with asNode, replay from a past checkpoint and fork.
 * LangGraph 1.7: replaying checkpoint at step s first writes a `fork` copy at step s + 1.
 */
import type { RunnableConfig } from "@langchain/core/runnables";
import { differential, type Lib, summariseHistory, summariseSnapshot } from "./harness.ts";

function pipeline(lib: Lib, counts: Record<string, number> = {}) {
  const State = lib.Annotation.Root({
    trace: lib.Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  });
  const node = (name: string) => () => {
    counts[name] = (counts[name] ?? 0) + 1;
    return { trace: [name] };
  };
  return new lib.StateGraph(State)
    .addNode("plan", node("plan"))
    .addNode("act", node("act"))
    .addNode("report", node("report"))
    .addEdge(lib.START, "plan")
    .addEdge("plan", "act")
    .addEdge("act", "report");
}

const thread = { configurable: { thread_id: "t" } };

function brief(s: Record<string, unknown>) {
  return { step: s.step, source: s.source, next: s.next, values: s.values };
}

differential(
  "getStateHistory: N + 2 checkpoints, steps -1..N, newest first, linked to parents",
  async (lib) => {
    const graph = pipeline(lib).compile({ checkpointer: new lib.MemorySaver() });
    await graph.invoke({ trace: ["in"] }, thread);
    return (await summariseHistory(graph.getStateHistory(thread))).map((s) => ({
      ...brief(s),
      checkpoint_id: s.checkpoint_id,
      parent_checkpoint_id: s.parent_checkpoint_id,
    }));
  },
  [
    {
      step: 3,
      source: "loop",
      next: [],
      values: { trace: ["in", "plan", "act", "report"] },
      checkpoint_id: "ckpt#0",
      parent_checkpoint_id: "ckpt#1",
    },
    {
      step: 2,
      source: "loop",
      next: ["report"],
      values: { trace: ["in", "plan", "act"] },
      checkpoint_id: "ckpt#1",
      parent_checkpoint_id: "ckpt#2",
    },
    {
      step: 1,
      source: "loop",
      next: ["act"],
      values: { trace: ["in", "plan"] },
      checkpoint_id: "ckpt#2",
      parent_checkpoint_id: "ckpt#3",
    },
    {
      step: 0,
      source: "loop",
      next: ["plan"],
      values: { trace: ["in"] },
      checkpoint_id: "ckpt#3",
      parent_checkpoint_id: "ckpt#4",
    },
    {
      step: -1,
      source: "input",
      next: ["__start__"],
      values: { trace: [] },
      checkpoint_id: "ckpt#4",
    },
  ],
);

differential(
  "getState of a finished thread, and of a past checkpoint by id",
  async (lib) => {
    const graph = pipeline(lib).compile({ checkpointer: new lib.MemorySaver() });
    await graph.invoke({}, thread);
    const latest = summariseSnapshot(await graph.getState(thread));
    const history = await collectConfigs(graph.getStateHistory(thread));
    const past = summariseSnapshot(await graph.getState(history[2] ?? thread));
    return { latest: brief(latest), past: brief(past), historyLength: history.length };
  },
  {
    latest: { step: 3, source: "loop", next: [], values: { trace: ["plan", "act", "report"] } },
    past: { step: 1, source: "loop", next: ["act"], values: { trace: ["plan"] } },
    historyLength: 5,
  },
);

differential(
  "snapshot metadata names the thread in getState and getStateHistory",
  async (lib) => {
    const graph = pipeline(lib).compile({ checkpointer: new lib.MemorySaver() });
    await graph.invoke({}, thread);
    const history: unknown[] = [];
    for await (const snapshot of graph.getStateHistory(thread)) history.push(snapshot.metadata);
    return { latest: (await graph.getState(thread)).metadata, history };
  },
  {
    latest: { source: "loop", step: 3, parents: {}, thread_id: "t" },
    history: [3, 2, 1, 0, -1].map((step) => ({
      source: step === -1 ? "input" : "loop",
      step,
      parents: {},
      thread_id: "t",
    })),
  },
);

async function collectConfigs(history: AsyncIterable<{ config: RunnableConfig }>) {
  const configs: RunnableConfig[] = [];
  for await (const snapshot of history) configs.push(snapshot.config);
  return configs;
}

differential(
  "getStateHistory honours limit; a second run on the thread continues the numbering",
  async (lib) => {
    const graph = pipeline(lib).compile({ checkpointer: new lib.MemorySaver() });
    await graph.invoke({}, thread);
    await graph.invoke({ trace: ["again"] }, thread);
    const all = await summariseHistory(graph.getStateHistory(thread));
    const limited = await summariseHistory(graph.getStateHistory(thread, { limit: 2 }));
    return {
      count: all.length,
      steps: all.map((s) => `${String(s.source)}@${String(s.step)}`),
      limited: limited.map((s) => s.step),
    };
  },
  {
    count: 10,
    steps: [
      "loop@8",
      "loop@7",
      "loop@6",
      "loop@5",
      "input@4",
      "loop@3",
      "loop@2",
      "loop@1",
      "loop@0",
      "input@-1",
    ],
    limited: [8, 7],
  },
);

differential(
  "updateState as the paused node's predecessor: next stays, the resumed run sees the edit",
  async (lib) => {
    const counts: Record<string, number> = {};
    const graph = pipeline(lib, counts).compile({
      checkpointer: new lib.MemorySaver(),
      interruptBefore: ["act"],
    });
    await graph.invoke({}, thread);
    await graph.updateState(thread, { trace: ["edited"] }, "plan");
    const updated = summariseSnapshot(await graph.getState(thread));
    const done = await graph.invoke(null, thread);
    return { updated: brief(updated), done, counts };
  },
  {
    updated: { step: 2, source: "update", next: ["act"], values: { trace: ["plan", "edited"] } },
    done: { trace: ["plan", "edited", "act", "report"] },
    counts: { plan: 1, act: 1, report: 1 },
  },
);

differential(
  "updateState asNode the paused node skips it: what runs next is its successor",
  async (lib) => {
    const counts: Record<string, number> = {};
    const graph = pipeline(lib, counts).compile({
      checkpointer: new lib.MemorySaver(),
      interruptBefore: ["act"],
    });
    await graph.invoke({}, thread);
    await graph.updateState(thread, { trace: ["act (by hand)"] }, "act");
    const updated = summariseSnapshot(await graph.getState(thread));
    const done = await graph.invoke(null, thread);
    return { next: updated.next, done, counts };
  },
  {
    next: ["report"],
    done: { trace: ["plan", "act (by hand)", "report"] },
    counts: { plan: 1, report: 1 },
  },
);

differential(
  "updateState without asNode on a finished thread writes an update checkpoint",
  async (lib) => {
    const graph = pipeline(lib).compile({ checkpointer: new lib.MemorySaver() });
    await graph.invoke({}, thread);
    await graph.updateState(thread, { trace: ["note"] });
    return brief(summariseSnapshot(await graph.getState(thread)));
  },
  { step: 4, source: "update", next: [], values: { trace: ["plan", "act", "report", "note"] } },
);

differential(
  "replay: invoking a past checkpoint_id re-runs the nodes after it",
  async (lib) => {
    const counts: Record<string, number> = {};
    const graph = pipeline(lib, counts).compile({ checkpointer: new lib.MemorySaver() });
    await graph.invoke({}, thread);
    const configs = await collectConfigs(graph.getStateHistory(thread));
    const afterPlan = configs[2];
    const replayed = await graph.invoke(null, afterPlan);
    const history = await summariseHistory(graph.getStateHistory(thread));
    return {
      replayed,
      counts,
      newest: history.slice(0, 3).map(brief),
      count: history.length,
    };
  },
  {
    replayed: { trace: ["plan", "act", "report"] },
    counts: { plan: 1, act: 2, report: 2 },
    newest: [
      { step: 4, source: "loop", next: [], values: { trace: ["plan", "act", "report"] } },
      { step: 3, source: "loop", next: ["report"], values: { trace: ["plan", "act"] } },
      { step: 2, source: "fork", next: ["act"], values: { trace: ["plan"] } },
    ],
    count: 8,
  },
);

differential(
  "fork: updateState on a past checkpoint, then invoke from the returned config",
  async (lib) => {
    const counts: Record<string, number> = {};
    const graph = pipeline(lib, counts).compile({ checkpointer: new lib.MemorySaver() });
    await graph.invoke({}, thread);
    const configs = await collectConfigs(graph.getStateHistory(thread));
    const forkConfig = await graph.updateState(configs[2] ?? thread, { trace: ["alt"] }, "plan");
    const forked = summariseSnapshot(await graph.getState(forkConfig));
    const out = await graph.invoke(null, forkConfig);
    const latest = summariseSnapshot(await graph.getState(thread));
    return { forked: brief(forked), out, latest: brief(latest), counts };
  },
  {
    forked: { step: 2, source: "update", next: ["act"], values: { trace: ["plan", "alt"] } },
    out: { trace: ["plan", "alt", "act", "report"] },
    latest: {
      step: 4,
      source: "loop",
      next: [],
      values: { trace: ["plan", "alt", "act", "report"] },
    },
    counts: { plan: 1, act: 2, report: 2 },
  },
);

differential(
  "bulkUpdateState applies supersteps in order, each one checkpoint; one superstep's updates land together",
  async (lib) => {
    const State = lib.Annotation.Root({
      trace: lib.Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
      last: lib.Annotation<string>(),
    });
    const graph = new lib.StateGraph(State)
      .addNode("a", () => ({ trace: ["a"] }))
      .addNode("b", () => ({ trace: ["b"] }))
      .addEdge(lib.START, "a")
      .addEdge("a", "b")
      .compile({ checkpointer: new lib.MemorySaver() });
    const config = { configurable: { thread_id: "bulk" } };
    await graph.invoke({ trace: ["in"] }, config);
    await graph.bulkUpdateState(config, [
      { updates: [{ values: { trace: ["u1"], last: "one" }, asNode: "a" }] },
      {
        updates: [
          { values: { trace: ["from a"] }, asNode: "a" },
          { values: { trace: ["from b"] }, asNode: "b" },
        ],
      },
    ]);
    const state = await graph.getState(config);
    const steps: unknown[] = [];
    for await (const s of graph.getStateHistory(config))
      steps.push([s.metadata?.source, s.metadata?.step]);
    return { values: state.values, next: state.next, steps: steps.slice(0, 3) };
  },
  {
    values: { trace: ["in", "a", "b", "u1", "from a", "from b"], last: "one" },
    next: ["b"],
    steps: [
      ["update", 4],
      ["update", 3],
      ["loop", 2],
    ],
  },
);
