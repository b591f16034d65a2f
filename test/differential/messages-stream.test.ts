/**
 * Stream mode `messages` with LangChain chat models called inside nodes: tokens of a model
 * invoked with or without the node's config, a model that does not stream, messages a node
 * returns, `nostream` tags, subgraphs, and the order against `updates`.
 */
import { AIMessage, type AIMessageChunk, ToolMessage } from "@langchain/core/messages";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { RunnableLambda } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { FakeChatModel, FakeListChatModel } from "@langchain/core/utils/testing";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { differential, type Lib, prebuiltFor } from "./harness.ts";
import {
  hello,
  idShape,
  messageEvents,
  parentWithSubgraph,
  type Rec,
  tokens,
} from "./messages-events.ts";

function chatGraph(lib: Lib, model: FakeListChatModel | FakeChatModel, withConfig: boolean) {
  return new lib.StateGraph(lib.MessagesAnnotation)
    .addNode("chat", async (s, config: LangGraphRunnableConfig) => ({
      messages: [await (withConfig ? model.invoke(s.messages, config) : model.invoke(s.messages))],
    }))
    .addEdge(lib.START, "chat")
    .compile();
}

const chatTokens = (text: string) => ({
  class: "AIMessageChunk",
  kind: "ai",
  text,
  id: "run-*",
  node: "chat",
  step: 1,
  triggers: ["branch:to:chat"],
  path: ["__pregel_pull", "chat"],
  ns: "chat",
  checkpoint_ns: "chat:<task>",
  tags: [],
  provider: "FakeListChatModel",
  chunks: text.length,
});

differential(
  "messages: a chat model called without the node's config streams its tokens",
  async (lib) => {
    const model = new FakeListChatModel({ responses: ["Hi there"] });
    const graph = chatGraph(lib, model, false);
    return tokens(await messageEvents(graph.stream(hello, { streamMode: "messages" })));
  },
  [chatTokens("Hi there")],
);

differential(
  "messages: a chat model called with the node's config streams its tokens",
  async (lib) => {
    const model = new FakeListChatModel({ responses: ["Yes"] });
    const graph = chatGraph(lib, model, true);
    return tokens(await messageEvents(graph.stream(hello, { streamMode: "messages" })));
  },
  [chatTokens("Yes")],
);

differential(
  "messages: a model that does not stream emits its whole message once, and the state keeps its id",
  async (lib) => {
    // FakeChatModel has no streaming implementation: it answers with the prompt, whole.
    const model = new FakeChatModel({});
    const graph = chatGraph(lib, model, false);
    const events = await messageEvents(graph.stream(hello, { streamMode: ["messages", "values"] }));
    const streamed = events.filter((e) => (e as unknown[])[0] === "messages");
    const last = (events.at(-1) as [string, { messages: Rec[] }])[1];
    return { streamed, finalIds: last.messages.map((m) => idShape(m.id)) };
  },
  {
    // LangChain aggregates the answer of a model run under a streaming handler into one chunk.
    streamed: [
      ["messages", { ...chatTokens("hello"), provider: "FakeChatModel", chunks: undefined }],
    ],
    finalIds: ["u1", "run-*"],
  },
);

function returningGraph(lib: Lib) {
  return new lib.StateGraph(lib.MessagesAnnotation)
    .addNode("reply", (s) => ({
      messages: [
        s.messages[0]!,
        new AIMessage({ content: "named", id: "a1" }),
        new AIMessage("anonymous"),
        new ToolMessage({ content: "42", tool_call_id: "call-1" }),
      ],
    }))
    .addNode("command", () => new lib.Command({ update: { messages: [new AIMessage("cmd")] } }))
    .addEdge(lib.START, "reply")
    .addEdge("reply", "command")
    .compile();
}

differential(
  "messages: messages a node returns stream once, input messages never, id-less ones named",
  async (lib) => {
    const events = await messageEvents(
      returningGraph(lib).stream(hello, { streamMode: ["messages", "values"] }),
    );
    const last = (events.at(-1) as [string, { messages: Rec[] }])[1];
    return {
      streamed: events
        .filter((e) => (e as unknown[])[0] === "messages")
        .map((e) => {
          const { text, id, node, step, tags, name } = (e as [string, Rec])[1];
          return { text, id, node, step, tags, name };
        }),
      finalIds: last.messages.map((m) => idShape(m.id)),
    };
  },
  {
    streamed: [
      { text: "named", id: "a1", node: "reply", step: 1, tags: ["graph:step:1"], name: "reply" },
      {
        text: "anonymous",
        id: "run-*-out-2",
        node: "reply",
        step: 1,
        tags: ["graph:step:1"],
        name: "reply",
      },
      {
        text: "42",
        id: "run-*-tool-call-1",
        node: "reply",
        step: 1,
        tags: ["graph:step:1"],
        name: "reply",
      },
      {
        text: "cmd",
        id: "run-*-out-0",
        node: "command",
        step: 2,
        tags: ["graph:step:2"],
        name: "command",
      },
    ],
    finalIds: ["u1", "a1", "run-*-out-2", "run-*-tool-call-1", "run-*-out-0"],
  },
);

differential(
  "messages: a model tagged nostream is not streamed",
  async (lib) => {
    const quiet = new FakeListChatModel({ responses: ["shh"] });
    const loud = new FakeListChatModel({ responses: ["ok"] });
    const graph = new lib.StateGraph(lib.MessagesAnnotation)
      .addNode("chat", async (s) => {
        const hidden = await quiet.invoke(s.messages, { tags: ["nostream"] });
        return { messages: [hidden, await loud.invoke(s.messages)] };
      })
      .addEdge(lib.START, "chat")
      .compile();
    const events = await messageEvents(graph.stream(hello, { streamMode: "messages" }));
    return (events as Rec[]).map((e) => [e.class, e.text, e.id]);
  },
  // The silenced model's answer still streams once, whole, as part of what the node returns.
  [
    ["AIMessageChunk", "o", "run-*"],
    ["AIMessageChunk", "k", "run-*"],
    ["AIMessageChunk", "shh", "run-*"],
  ],
);

differential(
  "messages: with subgraphs, a subgraph's model streams under its namespace",
  async (lib) =>
    (
      await messageEvents(
        parentWithSubgraph(lib).stream(hello, { streamMode: "messages", subgraphs: true }),
      )
    ).map((e) => {
      const [ns, event] = e as [string[], Rec];
      return [ns.map((n) => n.split(":")[0]), event.text, event.node];
    }),
  [
    [["team"], "a", "think"],
    [["team"], "b", "think"],
  ],
);

differential(
  "messages: tokens come before the node's update",
  async (lib) => {
    const model = new FakeListChatModel({ responses: ["xy"] });
    const graph = chatGraph(lib, model, false);
    const events = await messageEvents(
      graph.stream(hello, { streamMode: ["updates", "messages"] }),
    );
    return events.map((e) => {
      const [mode, data] = e as [string, Rec];
      return mode === "messages" ? [mode, data.text] : [mode, Object.keys(data)];
    });
  },
  [
    ["messages", "x"],
    ["messages", "y"],
    ["updates", ["chat"]],
  ],
);

differential(
  "messages: model.stream() in a node and a prompt | model chain stream their tokens",
  async (lib) => {
    const model = new FakeListChatModel({ responses: ["ab", "cd"] });
    const prompt = ChatPromptTemplate.fromMessages([
      ["system", "be brief"],
      ["placeholder", "{messages}"],
    ]);
    const graph = new lib.StateGraph(lib.MessagesAnnotation)
      .addNode("streamer", async (s) => {
        let whole: AIMessageChunk | undefined;
        for await (const chunk of await model.stream(s.messages))
          whole = whole ? whole.concat(chunk) : chunk;
        return { messages: [whole!] };
      })
      .addNode("chain", async (s) => ({
        messages: [await prompt.pipe(model).invoke({ messages: s.messages })],
      }))
      .addEdge(lib.START, "streamer")
      .addEdge("streamer", "chain")
      .compile();
    const events = await messageEvents(graph.stream(hello, { streamMode: "messages" }));
    return (events as Rec[]).map((e) => [e.class, e.text, e.node]);
  },
  [
    ["AIMessageChunk", "a", "streamer"],
    ["AIMessageChunk", "b", "streamer"],
    ["AIMessageChunk", "c", "chain"],
    ["AIMessageChunk", "d", "chain"],
  ],
);

differential(
  "callbacks: a graph run inside a LangChain runnable reports its nodes' model calls to it",
  async (lib) => {
    const started: string[] = [];
    const model = new FakeListChatModel({ responses: ["ok"] });
    const graph = chatGraph(lib, model, false);
    const outer = RunnableLambda.from(async (input: typeof hello) => graph.invoke(input));
    await outer.invoke(hello, {
      callbacks: [
        {
          handleChatModelStart: (_llm, _m, _run, _p, _e, _t, meta) => {
            started.push(String(meta?.langgraph_node));
          },
        },
      ],
    });
    return started;
  },
  ["chat"],
);

differential(
  "messages: a ToolNode's tags reach its tools, so a model tagged nostream there is silent",
  async (lib) => {
    const inner = new FakeListChatModel({ responses: ["quiet"] });
    const ask = tool(async () => (await inner.invoke("hi")).content as string, {
      name: "ask",
      description: "Asks a model.",
      schema: z.object({}),
    });
    const { ToolNode } = await prebuiltFor(lib);
    const graph = new lib.StateGraph(lib.MessagesAnnotation)
      .addNode("agent", () => ({
        messages: [
          new AIMessage({ content: "", tool_calls: [{ id: "c1", name: "ask", args: {} }] }),
        ],
      }))
      .addNode("tools", new ToolNode([ask], { tags: ["nostream"] }))
      .addEdge(lib.START, "agent")
      .addEdge("agent", "tools")
      .compile();
    const events = await messageEvents(graph.stream(hello, { streamMode: "messages" }));
    return (events as Rec[]).map((e) => [e.class, e.text, e.node]);
  },
  [
    ["AIMessage", "", "agent"],
    ["ToolMessage", "quiet", "tools"],
  ],
);
