/**
 * Type-level check, compiled by `npm run typecheck` (never run): LangGraph.js code reading
 * tokens from `streamEvents` compiles against Conclave after the import change.
 */
import { MessagesAnnotation, START, StateGraph } from "@conclave/core";
import { FakeListChatModel } from "@langchain/core/utils/testing";

const model = new FakeListChatModel({ responses: ["hi"] });
const graph = new StateGraph(MessagesAnnotation)
  .addNode("chat", async (s) => ({ messages: [await model.invoke(s.messages)] }))
  .addEdge(START, "chat")
  .compile();

export async function tokens(): Promise<string> {
  let text = "";
  const events = graph.streamEvents({ messages: [["user", "hi"]] }, { version: "v2" });
  for await (const event of events) {
    if (event.event === "on_chat_model_stream" && event.metadata.langgraph_node === "chat")
      text += event.data.chunk.content;
  }
  return text;
}
