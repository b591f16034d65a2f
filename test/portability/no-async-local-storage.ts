/**
 * Runs with AsyncLocalStorage unavailable (as in browsers): `process.getBuiltinModule` is removed
 * before the engine loads. Prints one JSON line with what worked.
 */
(process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
const core = await import("../../packages/core/src/index.ts");
const { Annotation, Command, MemorySaver, START, StateGraph, interrupt } = core;

const State = Annotation.Root({
  answers: Annotation<string[], string>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});
const config = { configurable: { thread_id: "t" } };
const custom: unknown[] = [];

const graph = new StateGraph(State)
  .addNode("sync", () => ({ answers: interrupt<string, string>("before any await?") }))
  .addNode("async", async (_s, cfg) => {
    await Promise.resolve();
    cfg.writer({ progress: "after await" });
    return { answers: interrupt<string, string>("after an await?", cfg) };
  })
  .addEdge(START, "sync")
  .addEdge("sync", "async")
  .compile({ checkpointer: new MemorySaver() });

const first = await graph.invoke({}, config);
const second = await graph.invoke(new Command({ resume: "one" }), config);
for await (const chunk of await graph.stream(new Command({ resume: "two" }), {
  ...config,
  streamMode: ["custom", "values"],
}))
  custom.push(chunk);

const bare = new StateGraph(State)
  .addNode("bare", async () => {
    await Promise.resolve();
    return { answers: interrupt<string, string>("no config after await") };
  })
  .addEdge(START, "bare")
  .compile({ checkpointer: new MemorySaver() });
let bareError = "";
try {
  await bare.invoke({}, config);
} catch (error) {
  bareError = (error as { code?: string }).code ?? String(error);
}

console.log(
  JSON.stringify({ first: first.__interrupt__, second: second.__interrupt__, custom, bareError }),
);
