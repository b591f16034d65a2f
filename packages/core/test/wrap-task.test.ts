/**
 * `RunConfig.wrapTask`: a host runs every node task, its subgraphs' included, inside its own
 * context (the runtime's OpenTelemetry node spans). Called once per task, around all attempts.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { Annotation, StateGraph, type TaskInfo } from "@conclave/core";
import { describe, expect, it } from "vitest";

const State = Annotation.Root({
  seen: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

describe("RunConfig.wrapTask", () => {
  it("wraps each task once, around its retries, in the graph and its subgraphs", async () => {
    const scope = new AsyncLocalStorage<string>();
    let failures = 1;
    const sub = new StateGraph(State)
      .addNode("inner", () => ({ seen: [`inner in ${scope.getStore()}`] }))
      .addEdge("__start__", "inner")
      .compile();
    const graph = new StateGraph(State)
      .addNode(
        "flaky",
        () => {
          if (failures-- > 0) throw new Error("once");
          return { seen: [`flaky in ${scope.getStore()}`] };
        },
        { retryPolicy: { maxAttempts: 2, initialInterval: 0, jitter: false } },
      )
      .addNode("sub", sub)
      .addEdge("__start__", "flaky")
      .addEdge("flaky", "sub")
      .compile();
    const wrapped: TaskInfo[] = [];
    const result = await graph.invoke(
      {},
      {
        wrapTask: (task, run) => {
          wrapped.push(task);
          return scope.run(task.name, run);
        },
      },
    );
    expect(result.seen).toEqual(["flaky in flaky", "inner in inner"]);
    expect(wrapped.map((t) => [t.name, t.step])).toEqual([
      ["flaky", 1],
      ["sub", 2],
      ["inner", 1],
    ]);
    expect(wrapped[2]!.ns).toMatch(/^sub:/);
  });
});
