/**
 * Type-level checks, compiled by `npm run typecheck` (never run): a key declared as
 * `Annotation<T>` uncalled, LangGraph's short form, types as `T` in state and updates.
 */
import { Annotation, START, StateGraph } from "@conclave/core";

const State = Annotation.Root({
  topic: Annotation<string>,
  notes: Annotation<string[], string>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

export const graph = new StateGraph(State)
  .addNode("a", (s) => ({ topic: s.topic.toUpperCase(), notes: "seen" }))
  .addEdge(START, "a")
  .compile();

export async function topicOf(): Promise<string> {
  const out = await graph.invoke({ topic: "agents" });
  return out.topic;
}

// @ts-expect-error an update of the wrong type is rejected for an uncalled annotation too
new StateGraph(State).addNode("bad", () => ({ topic: 1 }));
