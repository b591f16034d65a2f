import type { CheckpointConfig, CheckpointMetadata } from "../checkpoint/types.ts";
import type { Interrupt } from "./interrupt.ts";
import type { TaskRuntime } from "./task-runtime.ts";

/** What `stream` yields; several may be combined. */
export type StreamMode =
  | "values"
  | "updates"
  | "custom"
  | "tasks"
  | "checkpoints"
  | "debug"
  | "messages";

/** When checkpoints are written: before the next step (`sync`), while it runs (`async`), or only at the end (`exit`). */
export type Durability = "sync" | "async" | "exit";

/** What {@link RunConfig.wrapTask} is told of a task. */
export interface TaskInfo {
  id: string;
  name: string;
  step: number;
  ns: string;
}

/** Options for one `invoke`/`stream` call, compatible with LangGraph's RunnableConfig. */
export interface RunConfig {
  configurable?: {
    thread_id?: string;
    checkpoint_id?: string;
    checkpoint_ns?: string;
    [key: string]: unknown;
  };
  /** Maximum supersteps, counting the input step. Default 25. */
  recursionLimit?: number;
  /** Cancels the run: running nodes see it as `config.signal`. */
  signal?: AbortSignal;
  streamMode?: StreamMode | StreamMode[];
  /** Include events from subgraphs, tagged with their namespace. */
  subgraphs?: boolean;
  /**
   * The keys `values` chunks show (LangGraph's `outputKeys`): by default every state channel;
   * `invoke` and subgraphs show their output keys.
   */
  outputKeys?: string[];
  durability?: Durability;
  interruptBefore?: string[] | "*";
  interruptAfter?: string[] | "*";
  metadata?: Record<string, unknown>;
  tags?: string[];
  /** Static per-run dependencies, read by nodes as `config.context`. */
  context?: unknown;
  /** Cross-thread store, read by nodes as `config.store`. */
  store?: unknown;
  /** Receives `custom` stream events; set automatically when streaming. */
  writer?: (chunk: unknown) => void;
  /** Maximum tasks running at once within a superstep. */
  maxConcurrency?: number;
  /**
   * Called after each step whose tasks annotated it (`config.conclave.annotate`: model usage,
   * routing decisions, tool calls, approvals), in this graph and its subgraphs: how a host
   * records them (an audit trail) as they happen. They are also in the checkpoint's metadata.
   */
  onAnnotations?: (
    tasks: { id: string; name: string; [key: string]: unknown }[],
    where: { ns: string; step: number },
  ) => void;
  /**
   * Wraps each node task's execution (every attempt of it), in this graph and its subgraphs:
   * how a host runs a node inside a context of its own, such as an OpenTelemetry span that the
   * node's model calls then nest under. It must call `run` once and return what it returns.
   * `step` is the superstep the task runs in; `ns` its checkpoint namespace.
   */
  wrapTask?: <T>(task: TaskInfo, run: () => Promise<T>) => Promise<T>;
  runId?: string;
  runName?: string;
  /**
   * LangChain callbacks (handlers, or a CallbackManager), passed on to LangChain runnables a
   * node calls; stream mode `messages` adds its own. Typed loosely so that a node can pass its
   * config to a LangChain model without LangChain's types in the engine.
   */
  // biome-ignore lint/suspicious/noExplicitAny: LangChain's Callbacks type, which core cannot name.
  callbacks?: any;
  [key: string]: unknown;
}

/** The config a node receives as its second argument. */
export interface NodeConfig extends RunConfig {
  configurable: NonNullable<RunConfig["configurable"]>;
  signal: AbortSignal;
  /** Emits a `custom` stream event. */
  writer: (chunk: unknown) => void;
  metadata: Record<string, unknown>;
  /** Conclave's runtime handle: journaled effects and step annotations. */
  conclave: TaskRuntime;
  /** Resets the node's idle timeout (set when the node has a `timeout`). */
  heartbeat?: () => void;
}

/** One task of a state snapshot: what would run (or ran) from that checkpoint. */
export interface PregelTaskDescription {
  id: string;
  name: string;
  path?: [string, string | number];
  error?: unknown;
  interrupts: Interrupt[];
  /** The subgraph's state, with `getState(config, { subgraphs: true })`. */
  state?: StateSnapshot | CheckpointConfig;
  result?: unknown;
}

/** The state of a thread at one checkpoint. */
export interface StateSnapshot {
  values: Record<string, unknown>;
  /** Nodes that would run next. Empty when the run finished. */
  next: string[];
  config: CheckpointConfig;
  metadata?: CheckpointMetadata;
  createdAt?: string;
  parentConfig?: CheckpointConfig;
  tasks: PregelTaskDescription[];
}
