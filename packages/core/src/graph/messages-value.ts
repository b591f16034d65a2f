/**
 * `MessagesValue` and `MessagesDeltaValue`: a StateSchema messages field with the messages
 * reducer (append, replace by id, `RemoveMessage`), as LangGraph.js exports them. Their schemas
 * are written by hand, so declaring messages state does not load zod.
 */
import { type Message, type MessageLike, messagesStateReducer } from "./messages.ts";
import { DeltaValue, ReducedValue, type StandardSchemaLike } from "./state-schema.ts";

/** Accepts any value; `undefined` becomes `[]` when `emptyDefault`. */
function anything<T>(emptyDefault: boolean): StandardSchemaLike<unknown, T> {
  return {
    "~standard": {
      version: 1,
      vendor: "conclave",
      validate: (value) =>
        value === undefined && emptyDefault ? { value: [] as T } : { value: value as T },
    },
  };
}

const jsonSchemaExtra = { langgraph_type: "messages", description: "A list of chat messages" };

/** A messages field: writes are appended, or replace the message with the same id. */
export const MessagesValue = new ReducedValue<Message[], MessageLike | MessageLike[]>(
  anything(true),
  { inputSchema: anything(false), reducer: messagesStateReducer, jsonSchemaExtra },
);

/** LangGraph's beta delta-stored messages field; Conclave stores every reducer key as deltas. */
export const MessagesDeltaValue = new DeltaValue<Message[], MessageLike | MessageLike[]>(
  anything(true),
  {
    inputSchema: anything(false),
    reducer: (current, writes) =>
      writes.reduce<Message[]>((messages, next) => messagesStateReducer(messages, next), current),
    jsonSchemaExtra,
  },
);
