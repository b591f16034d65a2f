/**
 * Type-level checks, compiled by `npm run typecheck` (never run): LangGraph.js code that builds
 * an agent with `createReactAgent` compiles against Conclave after the import change, and the
 * result's state is typed from the state schema (the default one, or the caller's).
 */
import {
  Annotation,
  type LangGraphRunnableConfig,
  MemorySaver,
  MessagesAnnotation,
} from "@conclave/core";
import { createReactAgent } from "@conclave/core/prebuilt";
import { tool } from "@langchain/core/tools";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { z } from "zod";

const search = tool(async ({ query }: { query: string }) => `results for ${query}`, {
  name: "search",
  description: "Searches.",
  schema: z.object({ query: z.string() }),
});

const llm = new FakeListChatModel({ responses: ["hi"] });

export async function defaultState(): Promise<string> {
  const agent = createReactAgent({
    llm,
    tools: [search],
    prompt: "You are helpful.",
    checkpointer: new MemorySaver(),
    interruptBefore: ["tools"],
  });
  const result = await agent.invoke(
    { messages: [{ role: "user", content: "hi" }] },
    { configurable: { thread_id: "1" } },
  );
  const last = result.messages[result.messages.length - 1];
  return String(last?.content);
}

const State = Annotation.Root({
  ...MessagesAnnotation.spec,
  user: Annotation<string>(),
});

export async function customState(): Promise<string> {
  const agent = createReactAgent({
    llm,
    tools: [search],
    stateSchema: State,
    prompt: (state) => [{ role: "system", content: `User: ${state.user}` }, ...state.messages],
    preModelHook: (state) => ({ llmInputMessages: state.messages.slice(-5) }),
  });
  const result = await agent.invoke({ messages: [["user", "hi"]], user: "ada" });
  return result.user;
}

export async function configuredAgent(): Promise<unknown> {
  const agent = createReactAgent({
    llm: (_state, config: LangGraphRunnableConfig) =>
      config.configurable?.fast ? llm : new FakeListChatModel({ responses: ["slow"] }),
    tools: [search],
    contextSchema: z.object({ userId: z.string() }),
    prompt: (state, config: LangGraphRunnableConfig) => [
      { role: "system", content: `thread ${config.configurable?.thread_id}` },
      ...state.messages,
    ],
    preModelHook: (state, config) => ({
      llmInputMessages: config.configurable?.short ? state.messages.slice(-2) : state.messages,
    }),
    interruptBefore: "*",
    responseFormat: z.object({ answer: z.string() }),
  });
  const out = await agent.invoke({ messages: [["user", "hi"]] });
  return out.structuredResponse.answer;
}
