/** Zod v4 object schemas as graph state, and per-node input schemas. */
import { z } from "zod";
import { captureError, differential, type Lib, loadEngine } from "./harness.ts";

/** `MessagesZodState`: LangGraph's root export, Conclave's `@conclave/core/zod`. */
async function zodFor(lib: Lib): Promise<Pick<Lib, "MessagesZodState">> {
  const conclave = lib === (await loadEngine("conclave"));
  return conclave ? ((await import("@conclave/core/zod")) as unknown as Lib) : lib;
}

const Plan = z.object({
  topic: z.string(),
  steps: z.array(z.string()).optional(),
  count: z.number().optional(),
});

differential(
  "a zod object schema is state with last-value keys",
  async (lib) => {
    const graph = new lib.StateGraph(Plan)
      .addNode("draft", (s) => ({ steps: [`research ${s.topic}`], count: 1 }))
      .addNode("refine", (s) => ({
        steps: [...(s.steps ?? []), "write"],
        count: (s.count ?? 0) + 1,
      }))
      .addEdge(lib.START, "draft")
      .addEdge("draft", "refine")
      .addEdge("refine", lib.END)
      .compile();
    return graph.invoke({ topic: "owls" });
  },
  { topic: "owls", steps: ["research owls", "write"], count: 2 },
);

differential(
  "zod state: parallel writes to one key fail the step like any last-value key",
  async (lib) => {
    const graph = new lib.StateGraph(Plan)
      .addNode("a", () => ({ count: 1 }))
      .addNode("b", () => ({ count: 2 }))
      .addEdge(lib.START, "a")
      .addEdge(lib.START, "b")
      .compile();
    return captureError(() => graph.invoke({ topic: "t" }));
  },
  { threw: { error: "InvalidUpdateError", lc_error_code: "INVALID_CONCURRENT_GRAPH_UPDATE" } },
);

differential(
  "zod state: the input is validated against the schema",
  async (lib) => {
    const graph = new lib.StateGraph(Plan)
      .addNode("a", () => ({ count: 1 }))
      .addEdge(lib.START, "a")
      .compile();
    const bad = await captureError(() =>
      graph.invoke({ topic: 42 } as unknown as { topic: string }),
    );
    return { rejected: "threw" in bad };
  },
  { rejected: true },
);

differential(
  "zod state: schema defaults fill missing input keys",
  async (lib) => {
    const State = z.object({ name: z.string(), tries: z.number().default(3) });
    const graph = new lib.StateGraph(State)
      .addNode("a", (s) => ({ name: `${s.name}:${s.tries}` }))
      .addEdge(lib.START, "a")
      .compile();
    return graph.invoke({ name: "x" });
  },
  { name: "x:3", tries: 3 },
);

differential(
  "addNode input schema: the node sees only its declared keys",
  async (lib) => {
    const State = lib.Annotation.Root({
      question: lib.Annotation<string>(),
      secret: lib.Annotation<string>(),
      answer: lib.Annotation<string>(),
    });
    const Visible = lib.Annotation.Root({ question: lib.Annotation<string>() });
    const seen: unknown[] = [];
    const graph = new lib.StateGraph(State)
      .addNode(
        "reply",
        (s: typeof Visible.State) => {
          seen.push(Object.keys(s).sort());
          return { answer: `re: ${s.question}` };
        },
        { input: Visible },
      )
      .addEdge(lib.START, "reply")
      .compile();
    const out = await graph.invoke({ question: "why", secret: "s3" });
    return { out, seen };
  },
  { out: { question: "why", secret: "s3", answer: "re: why" }, seen: [["question"]] },
);

differential(
  "addNode zod input schema: the node sees only its declared keys",
  async (lib) => {
    const State = z.object({ q: z.string(), hidden: z.string(), a: z.string().optional() });
    const seen: unknown[] = [];
    const graph = new lib.StateGraph(State)
      .addNode(
        "answer",
        (s: { q: string }) => {
          seen.push(Object.keys(s).sort());
          return { a: s.q.toUpperCase() };
        },
        { input: z.object({ q: z.string() }) },
      )
      .addEdge(lib.START, "answer")
      .compile();
    const out = await graph.invoke({ q: "hi", hidden: "h" });
    return { out, seen };
  },
  { out: { q: "hi", hidden: "h", a: "HI" }, seen: [["q"]] },
);

differential(
  "MessagesZodState appends and upserts messages by id",
  async (lib) => {
    const { MessagesZodState } = await zodFor(lib);
    const graph = new lib.StateGraph(MessagesZodState)
      .addNode("reply", () => ({ messages: [{ role: "assistant", content: "draft", id: "a1" }] }))
      .addNode("edit", () => ({ messages: [{ role: "assistant", content: "edited", id: "a1" }] }))
      .addEdge(lib.START, "reply")
      .addEdge("reply", "edit")
      .compile();
    return graph.invoke({ messages: [{ role: "user", content: "hi", id: "u1" }] });
  },
  {
    messages: [
      { type: "human", content: "hi", id: "u1" },
      { type: "ai", content: "edited", id: "a1" },
    ],
  },
);
