/**
 * StateSchema state (LangGraph.js's current recommended form): Standard Schema fields (zod
 * here) with their defaults and coercion, ReducedValue with an input schema, MessagesValue,
 * and validation of graph input and node updates.
 */
import { z } from "zod";
import { differential, type Lib } from "./harness.ts";

function agentState(lib: Lib) {
  return new lib.StateSchema({
    messages: lib.MessagesValue,
    topic: z.string(),
    count: z.number().default(0),
    notes: new lib.ReducedValue(
      z.array(z.string()).default(() => []),
      {
        inputSchema: z.string(),
        reducer: (notes: string[], note: string) => [...notes, note],
      },
    ),
    size: z.coerce.number().optional(),
  });
}

differential(
  "StateSchema: defaults seed fields, ReducedValue folds its inputs, messages append, values coerce",
  async (lib) => {
    const graph = new lib.StateGraph(agentState(lib))
      .addNode("a", (s) => ({
        count: s.count + 1,
        notes: `a saw ${s.topic}`,
        messages: [{ role: "assistant", content: `about ${s.topic}` }],
        size: "7" as unknown as number,
      }))
      .addNode("b", (s) => ({ notes: `b saw ${s.count} ${typeof s.size}` }))
      .addEdge(lib.START, "a")
      .addEdge("a", "b")
      .compile();
    const out = await graph.invoke({
      topic: "agents",
      messages: [{ role: "user", content: "hello" }],
    });
    return { ...out, messages: out.messages.map((m) => [m.getType?.() ?? m.type, m.content]) };
  },
  {
    messages: [
      ["human", "hello"],
      ["ai", "about agents"],
    ],
    topic: "agents",
    count: 1,
    notes: ["a saw agents", "b saw 1 number"],
    size: 7,
  },
);

async function failure(run: () => Promise<unknown>) {
  try {
    await run();
    return { threw: false };
  } catch (error) {
    const message = (error as Error).message;
    return { threw: true, namesField: /"(topic|count)"/.test(message) };
  }
}

differential(
  "StateSchema: input and node updates a field's schema refuses fail, naming the field",
  async (lib) => {
    const input = new lib.StateGraph(agentState(lib))
      .addNode("a", () => ({}))
      .addEdge(lib.START, "a")
      .compile();
    const update = new lib.StateGraph(agentState(lib))
      .addNode("a", () => ({ count: "many" as unknown as number }))
      .addEdge(lib.START, "a")
      .compile();
    return {
      input: await failure(() => input.invoke({ topic: 42 as unknown as string })),
      update: await failure(() => update.invoke({ topic: "t" })),
    };
  },
  { input: { threw: true, namesField: true }, update: { threw: true, namesField: true } },
);

differential(
  "StateSchema: a checkpointed thread keeps reducer and last-value fields across invokes",
  async (lib) => {
    const graph = new lib.StateGraph(agentState(lib))
      .addNode("a", (s) => ({ count: s.count + 1, notes: `run ${s.count}` }))
      .addEdge(lib.START, "a")
      .compile({ checkpointer: new lib.MemorySaver() });
    const config = { configurable: { thread_id: "schema" } };
    await graph.invoke({ topic: "first" }, config);
    const out = await graph.invoke({ topic: "second" }, config);
    return { topic: out.topic, count: out.count, notes: out.notes };
  },
  { topic: "second", count: 2, notes: ["run 0", "run 1"] },
);
