/**
 * ToolNode and toolsCondition from each engine's prebuilt module with LangChain tools: single
 * and parallel calls, unknown tools, failing tools with and without handleToolErrors, tools that
 * return a Command, an interrupt() inside a tool, and the tool messages in stream mode messages.
 */
import { AIMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { captureError, collect, differential, type Lib, prebuiltFor } from "./harness.ts";

type Call = { id: string; name: string; args: Record<string, unknown> };

const add = tool(async ({ a, b }: { a: number; b: number }) => String(a + b), {
  name: "add",
  description: "Adds two numbers.",
  schema: z.object({ a: z.number(), b: z.number() }),
});

const fail = tool(
  async (): Promise<string> => {
    throw new Error("the disk is full");
  },
  { name: "fail", description: "Always fails.", schema: z.object({}) },
);

const json = tool(async ({ city }: { city: string }) => ({ city, celsius: 21 }), {
  name: "weather",
  description: "The weather.",
  schema: z.object({ city: z.string() }),
});

/**
 * agent -> tools -> agent: the agent asks for `calls` once, then answers "done"; the tools are
 * the engine's ToolNode, routed by its toolsCondition.
 */
async function agentGraph(lib: Lib, calls: Call[], tools: unknown[], handleToolErrors = true) {
  const { ToolNode, toolsCondition } = await prebuiltFor(lib);
  let turn = 0;
  return new lib.StateGraph(lib.MessagesAnnotation)
    .addNode("agent", () => ({
      messages: [
        turn++ === 0 ? new AIMessage({ content: "", tool_calls: calls }) : new AIMessage("done"),
      ],
    }))
    .addNode("tools", new ToolNode(tools as never, { handleToolErrors }))
    .addEdge(lib.START, "agent")
    .addConditionalEdges("agent", toolsCondition, ["tools", lib.END])
    .addEdge("tools", "agent")
    .compile({ checkpointer: new lib.MemorySaver() });
}

/** The messages after the question, with tool messages' call, name and status. */
function transcript(messages: unknown[]): unknown[] {
  return messages.slice(1).map((m) => {
    const r = m as Record<string, unknown> & { _getType?: () => string };
    const type = typeof r._getType === "function" ? r._getType() : r.type;
    // Not `type`/`content`: the normaliser would read these records as messages.
    return type === "tool"
      ? { kind: type, text: r.content, call: r.tool_call_id, name: r.name, status: r.status }
      : { kind: type, text: r.content, calls: (r.tool_calls as Call[] | undefined)?.length ?? 0 };
  });
}

const thread = (id: string) => ({ configurable: { thread_id: id } });
const question = { messages: [{ role: "user", content: "go", id: "q" }] };

async function run(lib: Lib, calls: Call[], tools: unknown[], handleToolErrors = true) {
  const graph = await agentGraph(lib, calls, tools, handleToolErrors);
  const out = await graph.invoke(question, thread("t"));
  return transcript(out.messages);
}

differential(
  "ToolNode: one tool call is answered with its result, then the agent finishes",
  async (lib) => run(lib, [{ id: "c1", name: "add", args: { a: 1, b: 2 } }], [add]),
  [
    { kind: "ai", text: "", calls: 1 },
    { kind: "tool", text: "3", call: "c1", name: "add", status: "success" },
    { kind: "ai", text: "done", calls: 0 },
  ],
);

differential(
  "ToolNode: parallel calls are answered in call order; objects become JSON",
  async (lib) =>
    run(
      lib,
      [
        { id: "c1", name: "weather", args: { city: "Oslo" } },
        { id: "c2", name: "add", args: { a: 2, b: 2 } },
      ],
      [add, json],
    ),
  [
    { kind: "ai", text: "", calls: 2 },
    {
      kind: "tool",
      text: '{"city":"Oslo","celsius":21}',
      call: "c1",
      name: "weather",
      status: "success",
    },
    { kind: "tool", text: "4", call: "c2", name: "add", status: "success" },
    { kind: "ai", text: "done", calls: 0 },
  ],
);

differential(
  "ToolNode: an unknown tool and a failing tool answer with errors the model can read",
  async (lib) =>
    run(
      lib,
      [
        { id: "c1", name: "nope", args: {} },
        { id: "c2", name: "fail", args: {} },
      ],
      [add, fail],
    ),
  [
    { kind: "ai", text: "", calls: 2 },
    {
      kind: "tool",
      text: 'Error: Tool "nope" not found.\n Please fix your mistakes.',
      call: "c1",
      name: "nope",
      status: "error",
    },
    {
      kind: "tool",
      text: "Error: the disk is full\n Please fix your mistakes.",
      call: "c2",
      name: "fail",
      status: "error",
    },
    { kind: "ai", text: "done", calls: 0 },
  ],
);

differential(
  "ToolNode: with handleToolErrors false a failing tool fails the run",
  async (lib) =>
    captureError(async () => run(lib, [{ id: "c1", name: "fail", args: {} }], [fail], false)),
  { threw: { error: "Error", message: "the disk is full" } },
);

differential(
  "ToolNode: a tool that returns a Command updates the state and routes",
  async (lib) => {
    const handoff = tool(
      async (_args: Record<string, never>, runtime: { toolCallId: string }) =>
        new lib.Command({
          update: {
            messages: [{ type: "tool", content: "handed off", tool_call_id: runtime.toolCallId }],
          },
          goto: "wrapup",
        }),
      { name: "handoff", description: "Hands off.", schema: z.object({}) },
    );
    const { ToolNode } = await prebuiltFor(lib);
    const graph = new lib.StateGraph(lib.MessagesAnnotation)
      .addNode("agent", () => ({
        messages: [
          new AIMessage({
            content: "",
            tool_calls: [{ id: "c1", name: "handoff", args: {} }],
          }),
        ],
      }))
      .addNode("tools", new ToolNode([handoff]), { ends: ["wrapup"] })
      .addNode("wrapup", () => ({ messages: [new AIMessage("wrapped")] }))
      .addEdge(lib.START, "agent")
      .addEdge("agent", "tools")
      .compile();
    const out = await graph.invoke(question);
    return transcript(out.messages);
  },
  [
    { kind: "ai", text: "", calls: 1 },
    { kind: "tool", text: "handed off", call: "c1", name: undefined, status: undefined },
    { kind: "ai", text: "wrapped", calls: 0 },
  ],
);

differential(
  "ToolNode: interrupt() in a tool pauses the run, and the resume value reaches the tool",
  async (lib) => {
    const ask = tool(
      async ({ q }: { q: string }) => `answer: ${lib.interrupt<string, string>(q)}`,
      { name: "ask", description: "Asks a human.", schema: z.object({ q: z.string() }) },
    );
    const graph = await agentGraph(lib, [{ id: "c1", name: "ask", args: { q: "ok?" } }], [ask]);
    const paused = await graph.invoke(question, thread("i"));
    const resumed = await graph.invoke(new lib.Command({ resume: "yes" }), thread("i"));
    return {
      interrupts: ((paused as { __interrupt__?: { value: unknown }[] }).__interrupt__ ?? []).map(
        (i) => i.value,
      ),
      after: transcript(resumed.messages),
    };
  },
  {
    interrupts: ["ok?"],
    after: [
      { kind: "ai", text: "", calls: 1 },
      { kind: "tool", text: "answer: yes", call: "c1", name: "ask", status: "success" },
      { kind: "ai", text: "done", calls: 0 },
    ],
  },
);

differential(
  "ToolNode: its tool messages stream in stream mode messages",
  async (lib) => {
    const graph = await agentGraph(lib, [{ id: "c1", name: "add", args: { a: 1, b: 1 } }], [add]);
    const events = await collect(
      graph.stream(question, { ...thread("s"), streamMode: "messages" }),
    );
    return events.map((e) => {
      const [message, meta] = e as [Record<string, unknown>, Record<string, unknown>];
      return [message.content, meta.langgraph_node];
    });
  },
  [
    ["", "agent"],
    ["2", "tools"],
    ["done", "agent"],
  ],
);

differential(
  "toolsCondition: routes to tools when the last message asks for calls, else to END",
  async (lib) => {
    const { toolsCondition } = await prebuiltFor(lib);
    const asking = new AIMessage({ content: "", tool_calls: [{ id: "c", name: "x", args: {} }] });
    return [
      toolsCondition({ messages: [asking] }),
      toolsCondition([asking]),
      toolsCondition({ messages: [new AIMessage("hi")] }),
    ];
  },
  ["tools", "tools", "__end__"],
);
