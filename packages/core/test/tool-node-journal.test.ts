/**
 * ToolNode with Conclave's effect journal: parallel tool calls keep their own journal
 * positions, so a resumed node replays each call's effects however the calls interleave; and
 * engine errors (a journal that no longer matches) fail the run instead of becoming a tool
 * message the model would read.
 */
import {
  Command,
  interrupt,
  MemorySaver,
  MessagesAnnotation,
  START,
  StateGraph,
} from "@conclave/core";
import { ToolNode } from "@conclave/core/prebuilt";
import { describe, expect, it } from "vitest";

type ToolConfig = { config: { conclave: { effect<T>(name: string, fn: () => T): Promise<T> } } };

/** A LangChain-shaped tool: ToolNode needs only `name` and `invoke(call, runtime)`. */
function toolOf(name: string, run: (runtime: ToolConfig) => Promise<string>) {
  return {
    name,
    async invoke(call: { id?: string }, runtime: unknown) {
      const content = await run(runtime as ToolConfig);
      return { type: "tool", content, tool_call_id: call.id, name };
    },
  };
}

function graphWith(tools: ReturnType<typeof toolOf>[]) {
  const calls = tools.map((t, i) => ({ id: `c${i}`, name: t.name, args: {} }));
  return new StateGraph(MessagesAnnotation)
    .addNode("agent", () => ({ messages: [{ type: "ai", content: "", tool_calls: calls }] }))
    .addNode("tools", new ToolNode(tools))
    .addEdge(START, "agent")
    .addEdge("agent", "tools")
    .compile({ checkpointer: new MemorySaver() });
}

const thread = (id: string) => ({ configurable: { thread_id: id } });
const input = { messages: [{ role: "user", content: "go" }] };

describe("ToolNode and the effect journal", () => {
  it("replays each parallel call's effects once, even when the calls interleave differently", async () => {
    const ran: string[] = [];
    let resumed = false;
    const asker = toolOf("asker", async ({ config }) => {
      // On resume this call reaches its effect last, where it came first before.
      if (resumed) for (let i = 0; i < 5; i++) await Promise.resolve();
      const fact = await config.conclave.effect("lookup", () => {
        ran.push("asker");
        return "fact";
      });
      return `${fact}, ${interrupt<string, string>("ok?")}`;
    });
    const counter = toolOf("counter", async ({ config }) => {
      await Promise.resolve();
      const n = await config.conclave.effect("count", () => {
        ran.push("counter");
        return 7;
      });
      return String(n);
    });
    const graph = graphWith([asker, counter]);
    await graph.invoke(input, thread("p"));
    resumed = true;
    const done = await graph.invoke(new Command({ resume: "yes" }), thread("p"));
    expect(done.messages.slice(2).map((m) => m.content)).toEqual(["fact, yes", "7"]);
    expect(ran.sort()).toEqual(["asker", "counter"]);
  });

  it("fails the run when a resumed tool's effects no longer match the journal", async () => {
    let resumed = false;
    const fickle = toolOf("fickle", async ({ config }) => {
      await config.conclave.effect(resumed ? "other" : "first", () => 1);
      return interrupt<string, string>("ok?");
    });
    const graph = graphWith([fickle]);
    await graph.invoke(input, thread("n"));
    resumed = true;
    await expect(graph.invoke(new Command({ resume: "yes" }), thread("n"))).rejects.toMatchObject({
      code: "NONDETERMINISTIC_EFFECT",
    });
  });
});
