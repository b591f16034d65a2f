/**
 * Type-level checks, compiled by `npm run typecheck` (never run): StateSchema fields type the
 * state a node reads (a schema's output, a ReducedValue's value) and the update it may return
 * (a schema's input, a ReducedValue's input).
 */
import { MessagesValue, ReducedValue, START, StateGraph, StateSchema } from "@conclave/core";
import { z } from "zod";

const State = new StateSchema({
  messages: MessagesValue,
  topic: z.string(),
  count: z.number().default(0),
  notes: new ReducedValue(
    z.array(z.string()).default(() => []),
    {
      inputSchema: z.string(),
      reducer: (notes: string[], note: string) => [...notes, note],
    },
  ),
});

export const graph = new StateGraph(State)
  .addNode("a", (s) => ({
    count: s.count + 1,
    notes: s.topic,
    messages: [{ role: "ai", content: "hi" }],
  }))
  .addEdge(START, "a")
  .compile();

export async function counted(): Promise<number> {
  const out = await graph.invoke({ topic: "agents" });
  const notes: string[] = out.notes;
  const first: string = out.topic;
  return first.length + out.count + notes.length + out.messages.length;
}

export type StateOfSchema = typeof State.State;
export const topic: StateOfSchema["topic"] = "a string";

// @ts-expect-error a ReducedValue takes its input type (string), not its value type
new StateGraph(State).addNode("bad", () => ({ notes: ["not", "a string"] }));

// @ts-expect-error a schema field takes its schema's input type
new StateGraph(State).addNode("bad", () => ({ topic: 1 }));

export async function notNever(): Promise<void> {
  const out = await graph.invoke({ topic: "agents" });
  // @ts-expect-error notes is string[], so a number is refused (it would be accepted as never)
  const wrong: number = out.notes;
  void wrong;
}

// LangGraph's second constructor argument: input/output schemas, or a context schema.
const Input = new StateSchema({ topic: z.string() });
export const narrowed = new StateGraph(State, {
  input: Input,
  output: Input,
  context: z.object({ user: z.string() }),
})
  .addNode("a", (s) => ({ topic: s.topic }))
  .addEdge(START, "a")
  .compile();
export const withContext = new StateGraph(State, z.object({ user: z.string() }));
