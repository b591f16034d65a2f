/**
 * `@conclave/core/zod`: LangGraph's `MessagesZodState` and `MessagesZodMeta`, apart from the
 * root because they load zod (see `graph/messages-zod.ts`).
 */
export { MessagesZodMeta, MessagesZodState } from "./graph/messages-zod.ts";
