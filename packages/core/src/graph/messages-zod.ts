/**
 * LangGraph's zod form of the messages state: `MessagesZodState` is to zod states what
 * `MessagesAnnotation` is to annotations, and `MessagesZodMeta` puts the messages reducer on a
 * field of one's own schema.
 *
 * Decision: served from `@conclave/core/zod`, not the root. Building the schema loads zod
 * (about 19 MB of RSS), which the engine otherwise never loads: zod states are duck-typed.
 */
import { z } from "zod";
import { type Message, type MessageLike, messagesStateReducer } from "./messages.ts";
import { withLangGraph, type ZodFieldMeta } from "./zod.ts";

/** The messages reducer and default, for `withLangGraph(z.custom<Message[]>(), MessagesZodMeta)`. */
export const MessagesZodMeta: ZodFieldMeta<Message[], MessageLike | MessageLike[]> & {
  jsonSchemaExtra: { langgraph_type: "messages" };
} = {
  reducer: { fn: messagesStateReducer },
  jsonSchemaExtra: { langgraph_type: "messages" },
  default: () => [],
};

/**
 * A zod state with one `messages` key reduced as `MessagesAnnotation`'s. Extend it with
 * `MessagesZodState.extend({ ... })`.
 */
export const MessagesZodState = z.object({
  messages: withLangGraph(z.custom<Message[]>(), MessagesZodMeta),
});
