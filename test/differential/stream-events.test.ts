/**
 * LangChain's `streamEvents` (version "v2") on a graph in both engines: the graph's chain run,
 * each node's (tagged `graph:step:<n>`, `__start__` hidden), the chat model's events with the
 * node's metadata, the graph's `on_chain_stream` chunks and its final output; the filters; and
 * a subgraph's nested runs.
 */
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { differential, type Lib } from "./harness.ts";

type Event = {
  event: string;
  name: string;
  tags?: string[];
  metadata?: Record<string, unknown>;
  data: { chunk?: unknown; output?: unknown; input?: unknown };
};

/** What both engines agree on: the event, the run, its tags, the node and step, the text. */
function summary(event: Event) {
  const chunk = event.data.chunk as { content?: unknown } | undefined;
  return [
    event.event,
    event.name,
    event.tags ?? [],
    event.metadata?.langgraph_node ?? null,
    event.metadata?.langgraph_step ?? null,
    event.event === "on_chat_model_stream" ? (chunk?.content ?? null) : null,
  ];
}

function chatGraph(lib: Lib, name: string) {
  const model = new FakeListChatModel({ responses: ["ab"] });
  return new lib.StateGraph(lib.MessagesAnnotation)
    .addNode("chat", async (s: { messages: unknown[] }) => ({
      messages: [await model.invoke(s.messages as never)],
    }))
    .addEdge(lib.START, "chat")
    .compile({ name });
}

const hello = { messages: [{ role: "user", content: "hi", id: "u1" }] };

async function events(stream: AsyncIterable<unknown>) {
  const out: Event[] = [];
  for await (const event of stream) out.push(event as Event);
  return out;
}

differential(
  "streamEvents v2: the graph, its nodes and the model, in LangChain's events",
  async (lib) => {
    const all = await events(chatGraph(lib, "mygraph").streamEvents(hello, { version: "v2" }));
    const last = all.at(-1)!;
    const output = last.data.output as { messages: { content: string }[] };
    return {
      events: all.map(summary),
      finalText: output.messages.map((m) => m.content),
      streamed: all
        .filter((e) => e.event === "on_chain_stream")
        .map((e) => Object.keys(e.data.chunk as object)),
    };
  },
  {
    events: [
      ["on_chain_start", "mygraph", [], null, null, null],
      ["on_chain_start", "__start__", ["graph:step:0", "langsmith:hidden"], "__start__", 0, null],
      ["on_chain_end", "__start__", ["graph:step:0", "langsmith:hidden"], "__start__", 0, null],
      ["on_chain_start", "chat", ["graph:step:1"], "chat", 1, null],
      ["on_chat_model_start", "FakeListChatModel", [], "chat", 1, null],
      ["on_chat_model_stream", "FakeListChatModel", [], "chat", 1, "a"],
      ["on_chat_model_stream", "FakeListChatModel", [], "chat", 1, "b"],
      ["on_chat_model_end", "FakeListChatModel", [], "chat", 1, null],
      ["on_chain_end", "chat", ["graph:step:1"], "chat", 1, null],
      ["on_chain_stream", "mygraph", [], null, null, null],
      ["on_chain_end", "mygraph", [], null, null, null],
    ],
    finalText: ["hi", "ab"],
    streamed: [["chat"]],
  },
);

differential(
  "streamEvents v2: includeTypes keeps only the chat model's events",
  async (lib) => {
    const stream = chatGraph(lib, "g").streamEvents(
      hello,
      { version: "v2" },
      { includeTypes: ["chat_model"] },
    );
    return (await events(stream)).map(summary);
  },
  [
    ["on_chat_model_start", "FakeListChatModel", [], "chat", 1, null],
    ["on_chat_model_stream", "FakeListChatModel", [], "chat", 1, "a"],
    ["on_chat_model_stream", "FakeListChatModel", [], "chat", 1, "b"],
    ["on_chat_model_end", "FakeListChatModel", [], "chat", 1, null],
  ],
);

differential(
  "streamEvents v2: a subgraph node's runs nest inside the parent's",
  async (lib) => {
    const inner = chatGraph(lib, "inner");
    const graph = new lib.StateGraph(lib.MessagesAnnotation)
      .addNode("sub", inner)
      .addEdge(lib.START, "sub")
      .compile({ name: "outer" });
    const all = await events(graph.streamEvents(hello, { version: "v2" }));
    return all
      .filter((e) => e.event.endsWith("_start") || e.event === "on_chat_model_stream")
      .map((e) => [e.event, e.name, e.metadata?.langgraph_node ?? null]);
  },
  [
    ["on_chain_start", "outer", null],
    ["on_chain_start", "__start__", "__start__"],
    ["on_chain_start", "sub", "sub"],
    ["on_chain_start", "inner", "sub"],
    ["on_chain_start", "__start__", "__start__"],
    ["on_chain_start", "chat", "chat"],
    ["on_chat_model_start", "FakeListChatModel", "chat"],
    ["on_chat_model_stream", "FakeListChatModel", "chat"],
    ["on_chat_model_stream", "FakeListChatModel", "chat"],
  ],
);
