/**
 * MessagesAnnotation and messagesStateReducer: append, upsert by id, remove by id.
 * Messages are written as plain `{type, content, id}` objects, which both engines accept;
 * the harness normalises LangGraph's message classes to the same shape.
 */
import { captureError, differential, type Lib } from "./harness.ts";

/** What a node may write to a messages key, in LangGraph's typing. */
type MessageUpdate = Parameters<Lib["messagesStateReducer"]>[1];

function chat(lib: Lib, reply: (count: number) => Record<string, unknown>[]) {
  return new lib.StateGraph(lib.MessagesAnnotation)
    .addNode("bot", (s) => ({ messages: reply(s.messages.length) as unknown as MessageUpdate }))
    .addEdge(lib.START, "bot")
    .addEdge("bot", lib.END)
    .compile({ checkpointer: new lib.MemorySaver() });
}

differential(
  "MessagesAnnotation appends new messages",
  async (lib) => {
    const graph = chat(lib, (n) => [{ type: "ai", content: `seen ${n}`, id: "a1" }]);
    return graph.invoke(
      { messages: [{ type: "human", content: "hi", id: "h1" }] },
      {
        configurable: { thread_id: "t" },
      },
    );
  },
  {
    messages: [
      { type: "human", content: "hi", id: "h1" },
      { type: "ai", content: "seen 1", id: "a1" },
    ],
  },
);

differential(
  "a message with an existing id replaces it in place (upsert)",
  async (lib) => {
    const graph = chat(lib, () => [{ type: "ai", content: "v2", id: "a1" }]);
    const config = { configurable: { thread_id: "t" } };
    await graph.invoke(
      {
        messages: [
          { type: "human", content: "q", id: "h1" },
          { type: "ai", content: "v1", id: "a1" },
          { type: "human", content: "more", id: "h2" },
        ],
      },
      config,
    );
    return (await graph.getState(config)).values;
  },
  {
    messages: [
      { type: "human", content: "q", id: "h1" },
      { type: "ai", content: "v2", id: "a1" },
      { type: "human", content: "more", id: "h2" },
    ],
  },
);

differential(
  "a { type: 'remove', id } message deletes the message with that id",
  async (lib) => {
    const graph = chat(lib, () => [
      { type: "remove", id: "h1" },
      { type: "ai", content: "kept", id: "a2" },
    ]);
    return graph.invoke(
      {
        messages: [
          { type: "human", content: "drop me", id: "h1" },
          { type: "human", content: "keep me", id: "h2" },
        ],
      },
      { configurable: { thread_id: "t" } },
    );
  },
  {
    messages: [
      { type: "human", content: "keep me", id: "h2" },
      { type: "ai", content: "kept", id: "a2" },
    ],
  },
);

differential(
  "removing an id that does not exist fails the step",
  async (lib) => {
    const graph = chat(lib, () => [{ type: "remove", id: "nope" }]);
    const result = await captureError(() =>
      graph.invoke(
        { messages: [{ type: "human", content: "x", id: "h1" }] },
        {
          configurable: { thread_id: "t" },
        },
      ),
    );
    return { rejected: "threw" in result };
  },
  { rejected: true },
);

differential(
  "messages without ids get a generated string id",
  async (lib) => {
    const graph = chat(lib, () => [{ type: "ai", content: "no id" }]);
    const out = await graph.invoke(
      { messages: [{ type: "human", content: "no id either" }] },
      {
        configurable: { thread_id: "t" },
      },
    );
    return out.messages.map((m) => ({
      content: m.content,
      hasId: typeof m.id === "string" && m.id.length > 0,
    }));
  },
  [
    { content: "no id either", hasId: true },
    { content: "no id", hasId: true },
  ],
);

differential(
  "tool calls and tool messages keep their fields",
  async (lib) => {
    const graph = chat(lib, () => [
      {
        type: "ai",
        content: "",
        id: "a1",
        tool_calls: [{ name: "add", args: { x: 1, y: 2 }, id: "call_1" }],
      },
      { type: "tool", content: "3", id: "t1", tool_call_id: "call_1", name: "add" },
    ]);
    return graph.invoke(
      { messages: [{ type: "human", content: "1+2", id: "h1" }] },
      {
        configurable: { thread_id: "t" },
      },
    );
  },
  {
    messages: [
      { type: "human", content: "1+2", id: "h1" },
      {
        type: "ai",
        content: "",
        id: "a1",
        tool_calls: [{ name: "add", args: { x: 1, y: 2 }, id: "call_1" }],
      },
      { type: "tool", content: "3", id: "t1", tool_call_id: "call_1", name: "add" },
    ],
  },
);

differential(
  "messagesStateReducer in a custom Annotation, with a system message and a second turn",
  async (lib) => {
    const State = lib.Annotation.Root({
      history: lib.Annotation<unknown[]>({
        reducer: lib.messagesStateReducer as (a: unknown[], b: unknown[]) => unknown[],
        default: () => [],
      }),
      turns: lib.Annotation<number>({ reducer: (a, b) => a + b, default: () => 0 }),
    });
    const graph = new lib.StateGraph(State)
      .addNode("bot", (s) => ({
        history: [{ type: "ai", content: `turn ${s.turns + 1}`, id: `a${s.turns + 1}` }],
        turns: 1,
      }))
      .addEdge(lib.START, "bot")
      .compile({ checkpointer: new lib.MemorySaver() });
    const config = { configurable: { thread_id: "t" } };
    await graph.invoke(
      {
        history: [
          { type: "system", content: "be brief", id: "s" },
          { type: "human", content: "1", id: "h1" },
        ],
      },
      config,
    );
    return graph.invoke({ history: [{ type: "human", content: "2", id: "h2" }] }, config);
  },
  {
    history: [
      { type: "system", content: "be brief", id: "s" },
      { type: "human", content: "1", id: "h1" },
      { type: "ai", content: "turn 1", id: "a1" },
      { type: "human", content: "2", id: "h2" },
      { type: "ai", content: "turn 2", id: "a2" },
    ],
    turns: 2,
  },
);

differential(
  "parallel nodes appending messages merge in node-name order",
  async (lib) => {
    const graph = new lib.StateGraph(lib.MessagesAnnotation)
      .addNode("zed", () => ({ messages: [{ type: "ai", content: "from zed", id: "z" }] }))
      .addNode("amy", () => ({ messages: [{ type: "ai", content: "from amy", id: "a" }] }))
      .addEdge(lib.START, "zed")
      .addEdge(lib.START, "amy")
      .compile();
    return graph.invoke({ messages: [{ type: "human", content: "go", id: "h" }] });
  },
  {
    messages: [
      { type: "human", content: "go", id: "h" },
      { type: "ai", content: "from amy", id: "a" },
      { type: "ai", content: "from zed", id: "z" },
    ],
  },
);
