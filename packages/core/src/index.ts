/**
 * @conclave/core: the state-graph engine (LangGraph.js-compatible API), the checkpoint contract,
 * safe serialization and the in-memory saver.
 */

export * from "./audit/index.ts";
export { Overwrite } from "./channels/overwrite.ts";
export * from "./checkpoint/index.ts";
export { COPY_AS_NODE, END, INPUT_AS_NODE, INTERRUPT, NULL_TASK_ID, START } from "./constants.ts";
export {
  CancelledError,
  CheckpointFormatError,
  CheckpointNotFoundError,
  ConclaveError,
  // LangGraph's base error class: every Conclave error extends ConclaveError.
  ConclaveError as BaseLangGraphError,
  EmptyInputError,
  type ErrorDisposition,
  GraphRecursionError,
  GraphValueError,
  InvalidArgumentError,
  InvalidGraphError,
  InvalidUpdateError,
  NotSerializableError,
  toError,
  UnknownNodeError,
  UnreachableNodeError,
} from "./errors.ts";
export {
  type EntrypointFinal,
  type EntrypointOptions,
  entrypoint,
  getPreviousState,
  type TaskOptions,
  task,
} from "./func/functional.ts";
export {
  Annotation,
  AnnotationRoot,
  type ChannelAnnotation,
  type StateDefinition,
  type StateType,
  type UpdateType,
} from "./graph/annotation.ts";
export { CompiledStateGraph, type CompileOptions } from "./graph/compiled-state-graph.ts";
export { type DrawableEdge, DrawableGraph, type DrawableNode } from "./graph/draw.ts";
export { type GraphJsonSchemas, graphJsonSchemas } from "./graph/json-schema.ts";
export {
  type ContentBlock,
  type LangChainMessageInstance,
  type Message,
  type MessageLike,
  MessagesAnnotation,
  type MessageType,
  messagesStateReducer,
  messagesStateReducer as addMessages,
  REMOVE_ALL_MESSAGES,
  type ToolCall,
  toMessage,
} from "./graph/messages.ts";
export { MessagesDeltaValue, MessagesValue } from "./graph/messages-value.ts";
export {
  type AddNodeOptions,
  type NodeAction,
  StateGraph,
  type StateOf,
  type UpdateOf,
} from "./graph/state-graph.ts";
export {
  DeltaValue,
  isStandardSchema,
  ReducedValue,
  type StandardSchemaLike,
  StateSchema,
  type StateSchemaFields,
  type StateSchemaUpdate,
  type StateSchemaValue,
  UntrackedValue,
} from "./graph/state-schema.ts";
export { withLangGraph, type ZodFieldMeta } from "./graph/zod.ts";
export * from "./metering/index.ts";
export * from "./platform/index.ts";
export { isGraphBubbleUp, isParentCommand } from "./pregel/bubble-up.ts";
export { Command, type CommandParams, isCommand, isSend, Send } from "./pregel/command.ts";
export {
  GraphInterrupt,
  getConfig,
  getCurrentTaskInput,
  getStore,
  getWriter,
  type Interrupt,
  interrupt,
  isGraphInterrupt,
  isInterrupted,
  NodeInterrupt,
  writer,
} from "./pregel/interrupt.ts";
export { isLangChainMessage, type LangChainMessage } from "./pregel/langchain-context.ts";
export {
  type CacheFullKey,
  type CachePolicy,
  InMemoryCache,
  type NodeCache,
} from "./pregel/node-cache.ts";
export {
  isNodeTimeoutError,
  NodeTimeoutError,
  type TimeoutPolicy,
} from "./pregel/node-timeout.ts";
export type { RetryPolicy } from "./pregel/retry.ts";
export { JOURNAL, type JournalEntry, type TaskRuntime } from "./pregel/task-runtime.ts";
/** LangGraph's name for the node config type. */
export type {
  Durability,
  NodeConfig,
  NodeConfig as LangGraphRunnableConfig,
  PregelTaskDescription,
  RunConfig,
  StateSnapshot,
  StreamMode,
  TaskInfo,
} from "./pregel/types.ts";
export { ParentCommand } from "./pregel/writes.ts";
export * from "./serde/index.ts";
export * from "./store/index.ts";
export { uuidV7 } from "./uuid-v7.ts";
