/**
 * Type-level checks, compiled by `npm run typecheck` (never run): a LangGraph.js node that
 * returns LangChain message instances, and wires LangChain tools through `ToolNode`, compiles
 * against Conclave after the import change. Class instances have no index signature, so
 * `MessageLike` needs a member of their own.
 */
import { END, MessagesAnnotation, START, StateGraph } from "@conclave/core";
import { ToolNode, toolsCondition } from "@conclave/core/prebuilt";
import { MessagesZodState } from "@conclave/core/zod";
import { AIMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { z } from "zod";

const echo = tool(async ({ text }: { text: string }) => text, {
  name: "echo",
  description: "Echoes.",
  schema: z.object({ text: z.string() }),
});

const model = new FakeListChatModel({ responses: ["hi"] });

export const chat = new StateGraph(MessagesAnnotation)
  .addNode("with-config", async (s, config) => ({
    messages: [await model.invoke(s.messages, config)],
  }))
  .addNode("without-config", async (s) => ({ messages: [await model.invoke(s.messages)] }))
  .addEdge(START, "with-config")
  .addEdge("with-config", "without-config")
  .compile();

export const graph = new StateGraph(MessagesAnnotation)
  .addNode("agent", async () => ({
    messages: [
      new AIMessage({ content: "", tool_calls: [{ id: "c", name: "echo", args: { text: "x" } }] }),
    ],
  }))
  .addNode("reply", () => ({ messages: new ToolMessage({ content: "ok", tool_call_id: "c" }) }))
  .addNode("tools", new ToolNode([echo]))
  .addEdge(START, "agent")
  .addConditionalEdges("agent", toolsCondition, ["tools", END])
  .addEdge("tools", "reply")
  .compile();

// A zod state's updates are typed as its state (`Message[]` here), so plain messages type-check;
// LangChain instances need a cast there (MessagesAnnotation accepts them as they are).
export const zodChat = new StateGraph(MessagesZodState)
  .addNode("reply", (s) => ({
    messages: [{ type: "ai" as const, content: `seen ${s.messages.length}`, id: "r" }],
  }))
  .addEdge(START, "reply")
  .compile();
