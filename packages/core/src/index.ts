/**
 * @conclave/core: the state-graph engine (LangGraph.js-compatible API), the checkpoint contract,
 * safe serialization and the in-memory saver.
 */
export { START, END, INTERRUPT, NULL_TASK_ID } from "./constants.ts";
export {
  ConclaveError,
  InvalidGraphError,
  InvalidUpdateError,
  GraphRecursionError,
  EmptyInputError,
  UnknownNodeError,
  NotSerializableError,
  CheckpointFormatError,
  CheckpointNotFoundError,
  InvalidArgumentError,
  CancelledError,
  toError,
  type ErrorDisposition,
} from "./errors.ts";
export { Annotation, AnnotationRoot, type ChannelAnnotation, type StateDefinition, type StateType, type UpdateType } from "./graph/annotation.ts";
export {
  MessagesAnnotation,
  messagesStateReducer,
  toMessage,
  REMOVE_ALL_MESSAGES,
  type Message,
  type MessageLike,
  type MessageType,
  type ToolCall,
} from "./graph/messages.ts";
export { withLangGraph, type ZodFieldMeta } from "./graph/zod.ts";
export { StateGraph, type AddNodeOptions, type NodeAction, type StateOf, type UpdateOf } from "./graph/state-graph.ts";
export { CompiledStateGraph, type CompileOptions } from "./graph/compiled-state-graph.ts";
export { DrawableGraph, type DrawableEdge, type DrawableNode } from "./graph/draw.ts";
export { Overwrite } from "./channels/overwrite.ts";
export { Send, Command, isCommand, isSend, type CommandParams } from "./pregel/command.ts";
export { interrupt, isInterrupted, GraphInterrupt, type Interrupt } from "./pregel/interrupt.ts";
export type { RetryPolicy } from "./pregel/retry.ts";
export type { RunConfig, NodeConfig, StreamMode, Durability, StateSnapshot, PregelTaskDescription } from "./pregel/types.ts";
export * from "./checkpoint/index.ts";
export * from "./serde/index.ts";

/** LangGraph's name for the node config type. */
export type { NodeConfig as LangGraphRunnableConfig } from "./pregel/types.ts";
