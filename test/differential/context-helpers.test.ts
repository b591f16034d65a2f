/**
 * The context helpers nodes call without arguments (getConfig, getWriter, getCurrentTaskInput),
 * the legacy NodeInterrupt, and the addMessages reducer alias.
 */
import { differential, type Lib } from "./harness.ts";

function traceState(lib: Lib) {
  return lib.Annotation.Root({
    trace: lib.Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  });
}

const thread = { configurable: { thread_id: "ctx" } };

differential(
  "getConfig, getWriter and getCurrentTaskInput inside a node",
  async (lib) => {
    const graph = new lib.StateGraph(traceState(lib))
      .addNode("probe", async () => {
        await Promise.resolve();
        const config = lib.getConfig();
        lib.getWriter()?.({ from: "getWriter" });
        const input = lib.getCurrentTaskInput<{ trace: string[] }>();
        return {
          trace: [`thread=${config.configurable?.thread_id}`, `input=${input.trace.join("+")}`],
        };
      })
      .addEdge(lib.START, "probe")
      .compile({ checkpointer: new lib.MemorySaver() });
    const chunks: unknown[] = [];
    for await (const chunk of await graph.stream(
      { trace: ["seed"] },
      { ...thread, streamMode: ["custom", "values"] },
    ))
      chunks.push(chunk);
    return chunks;
  },
  [
    ["values", { trace: ["seed"] }],
    ["custom", { from: "getWriter" }],
    ["values", { trace: ["seed", "thread=ctx", "input=seed"] }],
  ],
);

differential(
  "NodeInterrupt pauses before the node; invoke(null) re-runs it",
  async (lib) => {
    let runs = 0;
    const graph = new lib.StateGraph(traceState(lib))
      .addNode("gate", (s) => {
        runs += 1;
        if (!s.trace.includes("approved")) throw new lib.NodeInterrupt("needs approval");
        return { trace: ["passed"] };
      })
      .addEdge(lib.START, "gate")
      .compile({ checkpointer: new lib.MemorySaver() });
    const paused = await graph.invoke({ trace: ["start"] }, thread);
    const state = await graph.getState(thread);
    await graph.updateState(thread, { trace: ["approved"] });
    const done = await graph.invoke(null, thread);
    return {
      interrupted: lib.isInterrupted(paused),
      value: (paused as { __interrupt__?: { value: unknown }[] }).__interrupt__?.[0]?.value,
      next: state.next,
      done,
      runs,
    };
  },
  {
    interrupted: true,
    value: "needs approval",
    next: ["gate"],
    done: { trace: ["start", "approved", "passed"] },
    runs: 2,
  },
);

differential(
  "addMessages is the messages reducer",
  async (lib) => {
    const merged = lib.addMessages(
      [{ role: "user", content: "hi", id: "1" }],
      [{ role: "assistant", content: "yo", id: "2" }],
    );
    return merged.map((m) => ({ content: m.content, id: m.id }));
  },
  [
    { content: "hi", id: "1" },
    { content: "yo", id: "2" },
  ],
);
