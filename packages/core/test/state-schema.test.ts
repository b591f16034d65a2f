import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  DeltaValue,
  MemorySaver,
  MessagesDeltaValue,
  START,
  StateGraph,
  StateSchema,
  UntrackedValue,
} from "../src/index.ts";

function compileOne(State: StateSchema) {
  return new StateGraph(State)
    .addNode("a", () => ({}))
    .addEdge(START, "a")
    .compile();
}

describe("StateSchema", () => {
  it("refuses an UntrackedValue field when the graph is built, naming the field", () => {
    const State = new StateSchema({ topic: z.string(), cache: new UntrackedValue() });
    expect(() => compileOne(State)).toThrow(/State field "cache" is an UntrackedValue/);
  });

  it("refuses a field that is not a schema, naming it", () => {
    const State = new StateSchema({ topic: z.string(), bad: 42 as unknown as z.ZodString });
    expect(() => compileOne(State)).toThrow(/State field "bad" of a StateSchema is not a schema/);
  });

  it("applies a DeltaValue's list reducer one write at a time, and stores it across invokes", async () => {
    const State = new StateSchema({
      messages: MessagesDeltaValue,
      tags: new DeltaValue(
        z.array(z.string()).default(() => []),
        {
          inputSchema: z.string(),
          reducer: (tags: string[], writes: string[]) => [
            ...tags,
            ...writes.map((w) => w.toUpperCase()),
          ],
        },
      ),
    });
    const graph = new StateGraph(State)
      .addNode("a", () => ({ tags: "a", messages: [{ role: "assistant", content: "hi" }] }))
      .addEdge(START, "a")
      .compile({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "delta" } };
    await graph.invoke({ tags: "in", messages: "hello" }, config);
    const out = await graph.invoke({ tags: "again" }, config);
    expect(out.tags).toEqual(["IN", "A", "AGAIN", "A"]);
    expect(out.messages.map((m) => [m.type, m.content])).toEqual([
      ["human", "hello"],
      ["ai", "hi"],
      ["ai", "hi"],
    ]);
  });

  it("refuses a schema that validates asynchronously, with what to do", async () => {
    const State = new StateSchema({
      topic: z.string().refine(async (t) => t.length > 0),
    });
    const graph = new StateGraph(State)
      .addNode("a", () => ({}))
      .addEdge(START, "a")
      .compile();
    await expect(graph.invoke({ topic: "t" })).rejects.toThrow(
      /Graph input field "topic" has an asynchronous schema/,
    );
  });

  it("passes an Overwrite of a reducer field through its input schema untouched", async () => {
    const { Overwrite, ReducedValue } = await import("../src/index.ts");
    const State = new StateSchema({
      notes: new ReducedValue(
        z.array(z.string()).default(() => []),
        {
          inputSchema: z.string(),
          reducer: (notes: string[], note: string) => [...notes, note],
        },
      ),
    });
    const graph = new StateGraph(State)
      .addNode("a", () => ({ notes: "a" }))
      .addNode("reset", () => ({ notes: new Overwrite(["reset"]) as unknown as string }))
      .addEdge(START, "a")
      .addEdge("a", "reset")
      .compile();
    expect((await graph.invoke({ notes: "in" })).notes).toEqual(["reset"]);
  });
});
