import {
  Annotation,
  ConclaveError,
  EmptyInputError,
  END,
  GraphRecursionError,
  InvalidGraphError,
  InvalidUpdateError,
  MemorySaver,
  NotSerializableError,
  Send,
  START,
  StateGraph,
  UnknownNodeError,
} from "@conclave/core";
import { describe, expect, it } from "vitest";

const State = Annotation.Root({ value: Annotation<unknown>(), count: Annotation<number>() });

async function caught(run: () => unknown): Promise<ConclaveError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConclaveError);
    return error as ConclaveError;
  }
  throw new Error("expected an error");
}

describe("bad input gives clear, typed errors", () => {
  it("an edge to an unknown node names it and lists the known nodes", async () => {
    const error = await caught(() =>
      new StateGraph(State)
        .addNode("a", () => ({}))
        .addEdge(START, "a")
        .addEdge("a", "b")
        .compile(),
    );
    expect(error).toBeInstanceOf(UnknownNodeError);
    expect(error.code).toBe("UNKNOWN_NODE");
    expect(error.message).toMatch(
      /"b", which is not in graph .* Known nodes: a\. Add the node with addNode\("b", fn\)/,
    );
  });

  it("a route to an unknown node fails loudly at run time", async () => {
    const graph = new StateGraph(State)
      .addNode("a", () => ({}))
      .addEdge(START, "a")
      .addConditionalEdges("a", () => "nope")
      .compile();
    const error = await caught(() => graph.invoke({ count: 0 }));
    expect(error.code).toBe("UNKNOWN_NODE");
    expect(error.message).toMatch(
      /returned "nope", which is not a node .* Return one of: a, or END/,
    );
  });

  it("a Send to an unknown node names the node", async () => {
    const graph = new StateGraph(State)
      .addNode("a", () => ({}))
      .addEdge(START, "a")
      .addConditionalEdges("a", () => [new Send("ghost", {})])
      .compile();
    const error = await caught(() => graph.invoke({ count: 0 }));
    expect(error).toBeInstanceOf(UnknownNodeError);
    expect(error.message).toMatch(/Invalid node name "ghost" in a Send packet/);
  });

  it("a duplicate node name is rejected when added", async () => {
    const error = await caught(() =>
      new StateGraph(State).addNode("a", () => ({})).addNode("a", () => ({})),
    );
    expect(error).toBeInstanceOf(InvalidGraphError);
    expect(error.code).toBe("DUPLICATE_NODE");
    expect(error.message).toBe(
      'Node "a" is already present in this graph. Give each node a unique name.',
    );
  });

  it("a reserved node name is rejected", async () => {
    const error = await caught(() => new StateGraph(State).addNode(START, () => ({})));
    expect(error.code).toBe("RESERVED_NAME");
    expect(error.message).toMatch(/Node name "__start__" is reserved/);
  });

  it("a graph with no entry point says how to add one", async () => {
    const error = await caught(() =>
      new StateGraph(State)
        .addNode("a", () => ({}))
        .addEdge("a", END)
        .compile(),
    );
    expect(error).toBeInstanceOf(InvalidGraphError);
    expect(error.code).toBe("NO_ENTRY_POINT");
    expect(error.message).toMatch(/has no entry point.*addEdge\(START, "<first node>"\)/);
  });

  it("a node returning a non-object shows the value", async () => {
    const graph = new StateGraph(State)
      .addNode("a", () => "oops" as never)
      .addEdge(START, "a")
      .compile();
    const error = await caught(() => graph.invoke({ count: 0 }));
    expect(error).toBeInstanceOf(InvalidUpdateError);
    expect(error.code).toBe("INVALID_GRAPH_NODE_RETURN_VALUE");
    expect(error.message).toMatch(
      /Expected node "a" to return an object .* received string: "oops"/,
    );
  });

  it("concurrent writes to a key with no reducer fail the step", async () => {
    const graph = new StateGraph(State)
      .addNode("a", () => ({ count: 1 }))
      .addNode("b", () => ({ count: 2 }))
      .addEdge(START, "a")
      .addEdge(START, "b")
      .compile();
    const error = await caught(() => graph.invoke({ count: 0 }));
    expect(error.code).toBe("INVALID_CONCURRENT_GRAPH_UPDATE");
    expect(error.message).toMatch(
      /Invalid update for channel "count" with values \[1,2\].*Give "count" a reducer/,
    );
  });

  it("a non-serializable state value names its path", async () => {
    const graph = new StateGraph(State)
      .addNode("a", () => ({ value: { handle: () => 1 } }))
      .addEdge(START, "a")
      .compile({ checkpointer: new MemorySaver() });
    const error = await caught(() =>
      graph.invoke({ count: 0 }, { configurable: { thread_id: "t" } }),
    );
    expect(error).toBeInstanceOf(NotSerializableError);
    expect(error.message).toMatch(/value.*handle/);
    expect(error.message).toMatch(/function/);
  });

  it("invoking with no input and nothing to resume is an EmptyInputError", async () => {
    const graph = new StateGraph(State)
      .addNode("a", () => ({}))
      .addEdge(START, "a")
      .compile({ checkpointer: new MemorySaver() });
    const error = await caught(() => graph.invoke(null, { configurable: { thread_id: "empty" } }));
    expect(error).toBeInstanceOf(EmptyInputError);
    expect(error.message).toMatch(/has no checkpoint to resume/);
  });

  it("a checkpointed graph called without a thread says which config to pass", async () => {
    const graph = new StateGraph(State)
      .addNode("a", () => ({}))
      .addEdge(START, "a")
      .compile({ checkpointer: new MemorySaver() });
    const error = await caught(() => graph.invoke({ count: 0 }));
    expect(error.code).toBe("MISSING_THREAD_ID");
    expect(error.message).toMatch(/configurable: \{ thread_id/);
  });

  it("a runaway loop hits the recursion limit", async () => {
    const graph = new StateGraph(State)
      .addNode("loop", (s) => ({ count: s.count + 1 }))
      .addEdge(START, "loop")
      .addEdge("loop", "loop")
      .compile();
    const error = await caught(() => graph.invoke({ count: 0 }, { recursionLimit: 5 }));
    expect(error).toBeInstanceOf(GraphRecursionError);
    expect(error.code).toBe("GRAPH_RECURSION_LIMIT");
    expect(error.message).toMatch(/Recursion limit of 5 reached.*Raise "recursionLimit"/);
  });
});
