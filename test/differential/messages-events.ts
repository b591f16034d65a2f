/**
 * Helpers of the `messages` stream scenarios: events summarised to what both engines must agree
 * on (random run ids become `run-*`), and graphs shared by several files.
 */

import type { BaseMessage } from "@langchain/core/messages";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { collect, type Lib } from "./harness.ts";

export type Rec = Record<string, unknown>;

/** A message's id with its random run id replaced: `run-*`, `run-*-out-1`, or as is. */
export function idShape(id: unknown): unknown {
  return typeof id === "string" ? id.replace(/^run-[0-9a-f-]{36}/, "run-*") : id;
}

/** One `messages` event: what the message is and the metadata both engines set. */
export function summariseEvent([message, meta]: [BaseMessage | Rec, Rec]): Rec {
  const m = message as Rec & { _getType?: () => string };
  return {
    class: (message as object).constructor.name,
    kind: typeof m._getType === "function" ? m._getType() : m.type,
    text: m.content,
    id: idShape(m.id),
    node: meta.langgraph_node,
    step: meta.langgraph_step,
    triggers: meta.langgraph_triggers,
    path: meta.langgraph_path,
    ns: String(meta.langgraph_checkpoint_ns).replace(/:[^|]*/g, ""),
    checkpoint_ns: String(meta.checkpoint_ns).replace(/:[^|]*/g, ""),
    tags: meta.tags,
    name: meta.name,
    provider: meta.ls_provider,
  };
}

/** The events of a `messages` stream, summarised; with several modes, `[mode, ...]`. */
export async function messageEvents(stream: Promise<AsyncIterable<unknown>>): Promise<unknown[]> {
  const chunks = await collect(stream);
  return chunks.map((chunk) => {
    const parts = chunk as unknown[];
    if (parts.length === 3) return [parts[0], parts[1], summariseEvent(parts[2] as never)];
    if (Array.isArray(parts[0])) return [parts[0], summariseEvent(parts[1] as never)];
    if (typeof parts[0] === "string") {
      const [mode, data] = parts as [string, unknown];
      return mode === "messages" ? [mode, summariseEvent(data as never)] : [mode, data];
    }
    return summariseEvent(parts as never);
  });
}

/** Run once per engine: text of the tokens and where they came from, grouped. */
export function tokens(events: unknown[]): unknown[] {
  const grouped: Rec[] = [];
  for (const event of events as Rec[]) {
    const last = grouped.at(-1);
    if (last && last.id === event.id && last.class === "AIMessageChunk") {
      last.text = `${last.text}${event.text}`;
      last.chunks = (last.chunks as number) + 1;
    } else grouped.push({ ...event, chunks: 1 });
  }
  return grouped;
}

export const hello = { messages: [{ role: "user", content: "hello", id: "u1" }] };

/** A parent whose node `team` is a subgraph with one model-calling node `think`. */
export function parentWithSubgraph(lib: Lib) {
  const model = new FakeListChatModel({ responses: ["ab"] });
  const inner = new lib.StateGraph(lib.MessagesAnnotation)
    .addNode("think", async (s) => ({ messages: [await model.invoke(s.messages)] }))
    .addEdge(lib.START, "think")
    .compile();
  return new lib.StateGraph(lib.MessagesAnnotation)
    .addNode("team", inner)
    .addEdge(lib.START, "team")
    .compile();
}
