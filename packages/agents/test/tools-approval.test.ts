import { Annotation, Command, MemorySaver, START, StateGraph } from "@conclave/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type AnyTool,
  type RunToolsOptions,
  runTools,
  type ToolCallRequest,
  type ToolCallResult,
  tool,
  toToolMessages,
} from "../src/tools/index.ts";

const State = Annotation.Root({
  results: Annotation<ToolCallResult[], ToolCallResult[]>({
    reducer: (a, b) => a.concat(b),
    default: () => [],
  }),
});
const thread = (id: string) => ({ configurable: { thread_id: id } });

/** A graph whose one node runs `calls` through `runTools`; `ran` logs every real execution. */
function setup(calls: ToolCallRequest[], options?: RunToolsOptions) {
  const ran: string[] = [];
  const tools: AnyTool[] = [
    tool({
      name: "delete_file",
      description: "Deletes a file",
      schema: z.object({ path: z.string().min(1) }),
      requiresApproval: true,
      execute: ({ path }) => {
        ran.push(`delete ${path}`);
        return `deleted ${path}`;
      },
    }),
    tool({
      name: "transfer",
      description: "Moves money",
      schema: z.object({ amount: z.number() }),
      requiresApproval: ({ amount }) => (amount > 100 ? `amount ${amount} is over 100` : false),
      execute: ({ amount }) => {
        ran.push(`transfer ${amount}`);
        return { sent: amount };
      },
    }),
    tool({
      name: "search",
      description: "Searches",
      schema: z.object({ q: z.string() }),
      execute: ({ q }) => {
        ran.push(`search ${q}`);
        if (q === "boom") throw new Error("index offline");
        return [q];
      },
    }),
  ];
  const graph = new StateGraph(State)
    .addNode("tools", async (_s, config) => ({
      results: await runTools(calls, tools, config, options),
    }))
    .addEdge(START, "tools")
    .compile({ checkpointer: new MemorySaver() });
  return { graph, ran };
}

describe("runTools: approval through interrupt()", () => {
  it("interrupts before a gated tool and runs it once after approval, recording who and when", async () => {
    const { graph, ran } = setup([{ id: "c1", name: "delete_file", args: { path: "a.txt" } }]);
    const paused = await graph.invoke({}, thread("approve"));
    expect(paused.__interrupt__?.[0]?.value).toEqual({
      type: "approval",
      tool: "delete_file",
      toolCallId: "c1",
      args: { path: "a.txt" },
      reason: 'Tool "delete_file" requires approval.',
      mode: "auto",
    });
    expect(ran).toEqual([]);
    const done = await graph.invoke(
      new Command({ resume: { approved: true, by: "ana" } }),
      thread("approve"),
    );
    expect(done.results).toEqual([
      { toolCallId: "c1", name: "delete_file", status: "ok", output: "deleted a.txt" },
    ]);
    expect(ran).toEqual(["delete a.txt"]);
    const state = await graph.getState(thread("approve"));
    const [task] = (state.metadata?.tasks ?? []) as { approvals: unknown[] }[];
    expect(task!.approvals).toEqual([
      {
        toolCallId: "c1",
        tool: "delete_file",
        args: { path: "a.txt" },
        argsSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        approved: true,
        by: "ana",
        mode: "auto",
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    ]);
  });

  it("runs with edited arguments, re-validated, when the reviewer edits them", async () => {
    const { graph, ran } = setup([{ id: "c1", name: "delete_file", args: { path: "all" } }]);
    await graph.invoke({}, thread("edit"));
    const done = await graph.invoke(
      new Command({ resume: { approved: true, args: { path: "one.txt" } } }),
      thread("edit"),
    );
    expect(done.results[0]).toMatchObject({ status: "ok", output: "deleted one.txt" });
    expect(ran).toEqual(["delete one.txt"]);

    const bad = setup([{ id: "c1", name: "delete_file", args: { path: "x" } }]);
    await bad.graph.invoke({}, thread("edit-bad"));
    const out = await bad.graph.invoke(
      new Command({ resume: { approved: true, args: { path: "" } } }),
      thread("edit-bad"),
    );
    expect(out.results[0]).toMatchObject({
      status: "error",
      output: { error: expect.stringContaining("- path:") },
    });
    expect(bad.ran).toEqual([]);
  });

  it("returns a rejection to the model as the tool result and never runs the tool", async () => {
    const { graph, ran } = setup([{ id: "c1", name: "delete_file", args: { path: "a" } }]);
    await graph.invoke({}, thread("reject"));
    const done = await graph.invoke(
      new Command({ resume: { approved: false, reason: "not today", by: "bo" } }),
      thread("reject"),
    );
    expect(done.results).toEqual([
      {
        toolCallId: "c1",
        name: "delete_file",
        status: "rejected",
        output: { rejected: true, reason: "not today" },
      },
    ]);
    expect(ran).toEqual([]);
    expect(toToolMessages(done.results)[0]).toMatchObject({
      type: "tool",
      tool_call_id: "c1",
      status: "error",
    });
  });

  it("fails closed: a malformed resume value is a rejection that names the value", async () => {
    const { graph, ran } = setup([{ id: "c1", name: "delete_file", args: { path: "a" } }]);
    await graph.invoke({}, thread("closed"));
    const done = await graph.invoke(new Command({ resume: "yes please" }), thread("closed"));
    expect(done.results[0]).toMatchObject({
      status: "rejected",
      output: { reason: expect.stringContaining('"yes please"') },
    });
    expect(ran).toEqual([]);
  });

  it("asks for several approvals one at a time; ungated calls run concurrently, each exactly once", async () => {
    const { graph, ran } = setup([
      { id: "s1", name: "search", args: { q: "x" } },
      { id: "d1", name: "delete_file", args: { path: "a" } },
      { id: "t1", name: "transfer", args: { amount: 5 } },
      { id: "t2", name: "transfer", args: { amount: 500 } },
      { id: "s2", name: "search", args: { q: "boom" } },
    ]);
    const first = await graph.invoke({}, thread("multi"));
    expect(first.__interrupt__?.[0]?.value).toMatchObject({ toolCallId: "d1" });
    const second = await graph.invoke(new Command({ resume: { approved: true } }), thread("multi"));
    expect(second.__interrupt__?.[0]?.value).toMatchObject({
      toolCallId: "t2",
      reason: "amount 500 is over 100",
    });
    expect(ran).toEqual([]);
    const done = await graph.invoke(new Command({ resume: { approved: false } }), thread("multi"));
    expect(done.results.map((r: ToolCallResult) => [r.toolCallId, r.status])).toEqual([
      ["s1", "ok"],
      ["d1", "ok"],
      ["t1", "ok"],
      ["t2", "rejected"],
      ["s2", "error"],
    ]);
    expect(done.results[4]!.output).toEqual({ error: "index offline" });
    expect([...ran].sort()).toEqual(["delete a", "search boom", "search x", "transfer 5"]);
  });

  it("batch mode asks once for every pending call; a missing decision rejects", async () => {
    const calls = [
      { id: "d1", name: "delete_file", args: { path: "a" } },
      { id: "t2", name: "transfer", args: { amount: 500 } },
    ];
    const { graph, ran } = setup(calls, { approvalMode: "batch" });
    const paused = await graph.invoke({}, thread("batch"));
    expect(paused.__interrupt__?.[0]?.value).toMatchObject({
      type: "approvals",
      requests: [{ toolCallId: "d1" }, { toolCallId: "t2" }],
    });
    const done = await graph.invoke(
      new Command({ resume: { decisions: { d1: { approved: true } }, by: "cy" } }),
      thread("batch"),
    );
    expect(done.results.map((r: ToolCallResult) => r.status)).toEqual(["ok", "rejected"]);
    expect(ran).toEqual(["delete a"]);
  });

  it("turns unknown tools and invalid arguments into error results without asking", async () => {
    const { graph } = setup([
      { id: "u", name: "nope", args: {} },
      { id: "v", name: "delete_file", args: { path: 3 } },
    ]);
    const done = await graph.invoke({}, thread("errors"));
    expect(done.__interrupt__).toBeUndefined();
    expect((done.results[0]!.output as { error: string }).error).toMatch(
      /No tool named "nope"; available tools: "delete_file"/,
    );
    expect((done.results[1]!.output as { error: string }).error).toMatch(/- path: .*\(got 3\)/);
  });
});
