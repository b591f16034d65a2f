/**
 * createReactAgent from each engine's prebuilt module, with a scripted LangChain chat model and
 * LangChain tools: the tool loop, prompts, v2's Send per call, returnDirect, structured output,
 * the pre- and post-model hooks, interrupts, a custom state, the agent's name, bound models, and
 * what streams as it runs.
 */
import { SystemMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { captureError, collect, differential, type Lib, prebuiltFor } from "./harness.ts";
import { messageEvents } from "./messages-events.ts";
import {
  ConfigurableChatModel,
  newScript,
  ProviderChatModel,
  ScriptedChatModel,
  type ScriptedTurn,
  type ScriptLog,
} from "./scripted-chat-model.ts";

const add = tool(async ({ a, b }: { a: number; b: number }) => String(a + b), {
  name: "add",
  description: "Adds two numbers.",
  schema: z.object({ a: z.number(), b: z.number() }),
});

const lookup = tool(async ({ key }: { key: string }) => `value of ${key}`, {
  name: "lookup",
  description: "Looks a key up.",
  schema: z.object({ key: z.string() }),
  returnDirect: true,
});

const addTwice: ScriptedTurn[] = [
  {
    calls: [
      { id: "c1", name: "add", args: { a: 1, b: 2 } },
      { id: "c2", name: "add", args: { a: 3, b: 4 } },
    ],
  },
  { text: "3 and 7" },
];

const question = { messages: [{ role: "user", content: "add them", id: "q" }] };
const thread = (id: string) => ({ configurable: { thread_id: id } });

/** The messages after the question, as plain records (not `type`/`content`: the normaliser). */
function transcript(messages: unknown[]): unknown[] {
  return messages.slice(1).map((m) => {
    const r = m as Record<string, unknown> & { _getType?: () => string };
    const kind = typeof r._getType === "function" ? r._getType() : r.type;
    const calls = (r.tool_calls as { id: string }[] | undefined)?.map((c) => c.id) ?? [];
    return kind === "tool"
      ? { kind, text: r.content, call: r.tool_call_id, name: r.name }
      : { kind, text: r.content, calls, name: r.name ?? null };
  });
}

async function agent(lib: Lib, log: ScriptLog, extra: Record<string, unknown> = {}) {
  const { createReactAgent } = await prebuiltFor(lib);
  return createReactAgent({
    llm: new ScriptedChatModel(log),
    tools: [add],
    ...extra,
  } as never);
}

differential(
  "createReactAgent: the model calls tools in parallel, reads their results and answers",
  async (lib) => {
    const log = newScript(addTwice);
    const out = await (await agent(lib, log)).invoke(question);
    return { transcript: transcript(out.messages), seen: log.seen, bound: log.bound };
  },
  {
    transcript: [
      { kind: "ai", text: "", calls: ["c1", "c2"], name: null },
      { kind: "tool", text: "3", call: "c1", name: "add" },
      { kind: "tool", text: "7", call: "c2", name: "add" },
      { kind: "ai", text: "3 and 7", calls: [], name: null },
    ],
    seen: [["human:add them"], ["human:add them", "ai:", "tool:3", "tool:7"]],
    bound: [["add"]],
  },
);

differential(
  "createReactAgent: a string prompt goes first as a system message; the agent's name is set",
  async (lib) => {
    const log = newScript([{ text: "hi" }]);
    const graph = await agent(lib, log, { prompt: "Be brief.", name: "helper" });
    const out = await graph.invoke(question);
    return { transcript: transcript(out.messages), seen: log.seen, name: graph.name };
  },
  {
    transcript: [{ kind: "ai", text: "hi", calls: [], name: "helper" }],
    seen: [["system:Be brief.", "human:add them"]],
    name: "helper",
  },
);

differential(
  "createReactAgent: prompts as a SystemMessage, a function of the state, and a messageModifier",
  async (lib) => {
    const seen: unknown[] = [];
    const prompts = [
      { prompt: new SystemMessage("You add.") },
      {
        prompt: (state: { messages: unknown[] }) => [
          { role: "system", content: `n=${state.messages.length}` },
          ...state.messages,
        ],
      },
      { messageModifier: (messages: unknown[]) => messages.slice(-1) },
    ];
    for (const extra of prompts) {
      const log = newScript([{ text: "ok" }]);
      await (await agent(lib, log, extra)).invoke(question);
      seen.push(log.seen[0]);
    }
    return seen;
  },
  [["system:You add.", "human:add them"], ["system:n=1", "human:add them"], ["human:add them"]],
);

differential(
  "createReactAgent: two prompts at once are refused",
  async (lib) =>
    captureError(async () =>
      (await agent(lib, newScript([]), { prompt: "a", stateModifier: "b" })).invoke(question),
    ),
  {
    threw: {
      error: "Error",
      message:
        "Expected only one of prompt, stateModifier, or messageModifier, got multiple values",
    },
  },
);

differential(
  "createReactAgent v2: each tool call runs as its own Send to the tools node, also with a checkpointer",
  async (lib) => {
    const log = newScript(addTwice);
    const graph = await agent(lib, log, { version: "v2" });
    const updates = await collect(await graph.stream(question, { streamMode: "updates" }));
    const nodes = updates.map((u) => Object.keys(u as object)[0]);
    // With a checkpointer: the parallel tool tasks save their LangChain messages as pending writes.
    const saved = await agent(lib, newScript(addTwice), {
      version: "v2",
      checkpointer: new lib.MemorySaver(),
    });
    const out = await saved.invoke(question, thread("v2"));
    const history = [];
    for await (const s of saved.getStateHistory(thread("v2"))) history.push(s.next);
    return { nodes, transcript: transcript(out.messages), history: history.reverse() };
  },
  {
    nodes: ["agent", "tools", "tools", "agent"],
    transcript: [
      { kind: "ai", text: "", calls: ["c1", "c2"], name: null },
      { kind: "tool", text: "3", call: "c1", name: "add" },
      { kind: "tool", text: "7", call: "c2", name: "add" },
      { kind: "ai", text: "3 and 7", calls: [], name: null },
    ],
    history: [["__start__"], ["agent"], ["tools", "tools"], ["agent"], []],
  },
);

differential(
  "createReactAgent: a returnDirect tool's result ends the run without another model call",
  async (lib) => {
    const log = newScript([{ calls: [{ id: "k", name: "lookup", args: { key: "x" } }] }]);
    const out = await (await agent(lib, log, { tools: [add, lookup] })).invoke(question);
    return { transcript: transcript(out.messages), calls: log.seen.length };
  },
  {
    transcript: [
      { kind: "ai", text: "", calls: ["k"], name: null },
      { kind: "tool", text: "value of x", call: "k", name: "lookup" },
    ],
    calls: 1,
  },
);

differential(
  "createReactAgent: responseFormat adds a structured answer from the whole conversation",
  async (lib) => {
    const log = newScript([{ text: "it is 3" }]);
    const schema = z.object({ answer: z.string() });
    const plain = await (await agent(lib, log, { responseFormat: schema })).invoke(question);
    const withPrompt = await (
      await agent(lib, log, { responseFormat: { schema, prompt: "Answer as JSON." } })
    ).invoke(question);
    return {
      structured: [plain.structuredResponse, withPrompt.structuredResponse],
      asked: log.structured,
    };
  },
  {
    structured: [
      { answer: "structured", schemaKeys: ["answer"] },
      { answer: "structured", schemaKeys: ["answer"] },
    ],
    asked: [
      ["human:add them", "ai:it is 3"],
      ["system:Answer as JSON.", "human:add them", "ai:it is 3"],
    ],
  },
);

differential(
  "createReactAgent: the pre-model hook's llmInputMessages replace what the model sees, not the state",
  async (lib) => {
    const log = newScript(addTwice);
    const preModelHook = (state: { messages: unknown[] }) => ({
      llmInputMessages: [{ role: "user", content: `summary of ${state.messages.length}` }],
    });
    const out = await (await agent(lib, log, { preModelHook })).invoke(question);
    return { seen: log.seen, kept: out.messages.length, keys: Object.keys(out).sort() };
  },
  {
    seen: [["human:summary of 1"], ["human:summary of 4"]],
    kept: 5,
    keys: ["messages"],
  },
);

differential(
  "createReactAgent: a post-model hook runs after every model call, then the routing",
  async (lib) => {
    const log = newScript(addTwice);
    let hooked = 0;
    const postModelHook = () => {
      hooked++;
      return {};
    };
    const graph = await agent(lib, log, { postModelHook });
    const updates = await collect(await graph.stream(question, { streamMode: "updates" }));
    return { nodes: updates.map((u) => Object.keys(u as object)[0]), hooked };
  },
  { nodes: ["agent", "post_model_hook", "tools", "agent", "post_model_hook"], hooked: 2 },
);

differential(
  "createReactAgent: interruptBefore tools pauses with the calls pending, and resumes",
  async (lib) => {
    const log = newScript(addTwice);
    const graph = await agent(lib, log, {
      checkpointer: new lib.MemorySaver(),
      interruptBefore: ["tools"],
    });
    await graph.invoke(question, thread("t"));
    const paused = await graph.getState(thread("t"));
    const out = await graph.invoke(null, thread("t"));
    return { next: paused.next, transcript: transcript(out.messages) };
  },
  {
    next: ["tools"],
    transcript: [
      { kind: "ai", text: "", calls: ["c1", "c2"], name: null },
      { kind: "tool", text: "3", call: "c1", name: "add" },
      { kind: "tool", text: "7", call: "c2", name: "add" },
      { kind: "ai", text: "3 and 7", calls: [], name: null },
    ],
  },
);

differential(
  "createReactAgent: a custom state schema's other keys reach the prompt; one without messages is refused",
  async (lib) => {
    const State = lib.Annotation.Root({
      ...lib.MessagesAnnotation.spec,
      user: lib.Annotation<string>(),
    });
    const log = newScript([{ text: "ok" }]);
    const prompt = (state: { user: string; messages: unknown[] }) => [
      { role: "system", content: `user ${state.user}` },
      ...state.messages,
    ];
    const graph = await agent(lib, log, { stateSchema: State, prompt });
    // Typed as the default state's agent; this one's state has `user` too.
    const out = (await graph.invoke({ ...question, user: "ada" } as never)) as { user?: string };
    const NoMessages = lib.Annotation.Root({ user: lib.Annotation<string>() });
    const refused = await captureError(async () =>
      agent(lib, log, { stateSchema: NoMessages }).then(() => undefined),
    );
    return { seen: log.seen, user: out.user, refused };
  },
  {
    seen: [["system:user ada", "human:add them"]],
    user: "ada",
    refused: {
      threw: { error: "Error", message: "Missing required `messages` key in state schema." },
    },
  },
);

differential(
  "createReactAgent: a model with the tools bound already is used as it is; other tools are refused",
  async (lib) => {
    const log = newScript([{ text: "ok" }]);
    const bound = new ScriptedChatModel(log).bindTools([add]);
    await (await agent(lib, log, { llm: withTools(bound, [add]) })).invoke(question);
    const wrong = await captureError(async () =>
      (await agent(lib, log, { llm: withTools(bound, [lookup]), tools: [lookup, add] })).invoke(
        question,
      ),
    );
    return { bindCalls: log.bound.length, wrong };
  },
  {
    bindCalls: 1,
    wrong: {
      threw: {
        error: "Error",
        message:
          "Number of tools in the model.bindTools() and tools passed to createReactAgent must match",
      },
    },
  },
);

/** A model bound the way `ChatOpenAI.bindTools` binds: a RunnableBinding with `tools` kwargs. */
function withTools(model: ScriptedChatModel, tools: { name: string }[]) {
  return model.withConfig({
    tools: tools.map((t) => ({ type: "function", function: { name: t.name } })),
  } as never);
}

differential(
  "createReactAgent: stream mode messages sends the model's answer and the tool messages, by node",
  async (lib) => {
    const graph = await agent(lib, newScript(addTwice));
    return messageEvents(graph.stream(question, { streamMode: "messages" }));
  },
  [
    {
      checkpoint_ns: "agent:<task>",
      class: "AIMessage",
      id: "ai-0",
      kind: "ai",
      node: "agent",
      ns: "agent",
      path: ["__pregel_pull", "agent"],
      provider: "ScriptedChatModel",
      step: 1,
      tags: ["seq:step:2"],
      text: "",
      triggers: ["branch:to:agent"],
    },
    ...["3", "7"].map((text, i) => ({
      checkpoint_ns: "tools:<task>",
      class: "ToolMessage",
      id: `run-*-tool-c${i + 1}`,
      kind: "tool",
      name: "tools",
      node: "tools",
      ns: "tools",
      path: ["__pregel_pull", "tools"],
      step: 2,
      tags: ["graph:step:2"],
      text,
      triggers: ["branch:to:tools"],
    })),
    {
      checkpoint_ns: "agent:<task>",
      class: "AIMessage",
      id: "ai-1",
      kind: "ai",
      node: "agent",
      ns: "agent",
      path: ["__pregel_pull", "agent"],
      provider: "ScriptedChatModel",
      step: 3,
      tags: ["seq:step:2"],
      text: "3 and 7",
      triggers: ["branch:to:agent"],
    },
  ],
);

differential(
  "createReactAgent: initChatModel's configurable model and a model with listeners keep their bound options",
  async (lib) => {
    const log = newScript([{ text: "ok" }]);
    const provider = new ProviderChatModel(log);
    const configurable = new ConfigurableChatModel(() => provider).bindTools([add], {
      tool_choice: "required",
    });
    const out = await (
      await agent(lib, log, { llm: configurable, responseFormat: z.object({ x: z.string() }) })
    ).invoke(question);
    const starts: string[] = [];
    const listened = new ProviderChatModel(log).withListeners({
      onStart: () => {
        starts.push("start");
      },
    });
    await (await agent(lib, log, { llm: listened })).invoke(question);
    return { choices: provider.toolChoices, structured: out.structuredResponse, starts };
  },
  {
    choices: ["required"],
    structured: { answer: "structured", schemaKeys: ["x"] },
    starts: ["start"],
  },
);
