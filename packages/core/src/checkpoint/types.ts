/**
 * The checkpoint contract between the engine (which decides what to store) and the savers
 * (which store it). Savers never run reducers: the engine hands them a reducer-agnostic delta,
 * so any checkpoint can be rebuilt from the nearest snapshot by replaying deltas.
 */

/** Identifies a thread, a namespace inside it (subgraphs) and optionally one checkpoint. */
export interface CheckpointConfig {
  configurable: {
    thread_id: string;
    /** "" for the root graph; `node:<taskId>` segments joined by "|" for subgraphs. */
    checkpoint_ns?: string;
    checkpoint_id?: string;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/**
 * One operation that turns a channel's value in the parent checkpoint into its value here.
 * `append` is emitted when the new value is an array whose prefix is the old array (append
 * reducers), so a long message thread stores only the new items each step.
 */
export type ChannelDelta =
  | { op: "set"; value: unknown }
  | { op: "append"; items: unknown[] }
  | { op: "delete" };

/** Deltas keyed by channel name; channels absent here are unchanged from the parent. */
export type ChannelDeltas = Record<string, ChannelDelta>;

/** The checkpoint format version the engine writes. */
export const CHECKPOINT_VERSION = 1;

/** A checkpoint as read back: the full state after a superstep. */
export interface Checkpoint {
  v: number;
  /** Time-ordered id; sorting ids sorts checkpoints by creation. */
  id: string;
  /** ISO-8601 creation time. */
  ts: string;
  /** Full channel values; an empty channel has no key. */
  channel_values: Record<string, unknown>;
  /** Channels updated by the step that produced this checkpoint: the triggers of the next step. */
  updated_channels: string[];
}

/**
 * What the engine passes to `put`: the full values (a reference the saver must not mutate, used
 * only when the saver decides to write a snapshot) and the delta from the parent checkpoint.
 */
export interface CheckpointToWrite extends Checkpoint {
  delta: ChannelDeltas;
}

/** Where a checkpoint came from, as in LangGraph. */
export type CheckpointSource = "input" | "loop" | "update" | "fork";

export interface CheckpointMetadata {
  source: CheckpointSource;
  /** -1 for the input checkpoint, then one per superstep. */
  step: number;
  /** Parent namespace -> checkpoint id, for subgraph checkpoints. */
  parents: Record<string, string>;
  [key: string]: unknown;
}

/** A write a task made: [channel, value]. */
export type PendingWrite = [channel: string, value: unknown];

/** A stored pending write: [taskId, channel, value]. */
export type CheckpointPendingWrite = [taskId: string, channel: string, value: unknown];

/**
 * Channels whose pending writes are bookkeeping rather than state. For these, a later
 * `putWrites` of the same task overwrites the stored write; regular writes keep the first.
 */
export const SPECIAL_WRITE_CHANNELS = ["__error__", "__interrupt__", "__resume__"] as const;

export interface CheckpointTuple {
  /** Config with `checkpoint_id` set to this checkpoint. */
  config: CheckpointConfig;
  checkpoint: Checkpoint;
  metadata: CheckpointMetadata;
  parentConfig?: CheckpointConfig;
  pendingWrites: CheckpointPendingWrite[];
  /** Hex SHA-256 link of this checkpoint in its thread's hash chain. */
  hash?: string;
}

export interface ListOptions {
  /** At most this many tuples, newest first. */
  limit?: number;
  /** Only checkpoints created strictly before this one. */
  before?: CheckpointConfig;
  /** Only checkpoints whose metadata has these exact top-level values. */
  filter?: Record<string, unknown>;
}

/** The result of walking a thread's hash chain. `verify` reports; it never throws on tampering. */
export type VerifyResult =
  | { ok: true; checked: number }
  | { ok: false; checked: number; checkpointId: string; reason: string };

/** Which checkpoints `prune` keeps. With both set, a checkpoint is kept if either keeps it. */
export interface RetentionPolicy {
  /** Keep the newest N checkpoints of each namespace of the thread. */
  keepLast?: number;
  /** Keep checkpoints younger than this many milliseconds. */
  maxAgeMs?: number;
  /** The clock for `maxAgeMs`; defaults to now. */
  now?: Date;
}

export interface PruneResult {
  deleted: number;
}

/** What a saver can do beyond the contract, so callers can choose one honestly. */
export interface SaverCapabilities {
  /** Survives the process exiting. */
  durable: boolean;
  /** Several processes may write to the same store at once. */
  multiProcess: boolean;
}

/** Options of {@link CheckpointSaver.batch}. */
export interface BatchOptions {
  /** The root graph's last writes of this invocation (its loop is returning). */
  final?: boolean;
}

/**
 * A batch of checkpoint writes made but not stored (`CheckpointSaver.holdBatch`). The store
 * that made it may write it with a run's end; any other caller stores it with `write()`.
 */
export interface HeldWrites {
  /** Stores the writes on their own, as `batch` would have. */
  write(): Promise<void>;
}

/**
 * Persists checkpoints. The method names follow LangGraph's `BaseCheckpointSaver`, so its users
 * recognise them; `verify` and `prune` are Conclave's.
 */
export interface CheckpointSaver {
  readonly capabilities: SaverCapabilities;
  /** The checkpoint named by `config`, or the newest of the thread/namespace when no id is given. */
  getTuple(config: CheckpointConfig): Promise<CheckpointTuple | undefined>;
  /** Checkpoints of the thread (and namespace, when `checkpoint_ns` is set), newest first. */
  list(config: CheckpointConfig, options?: ListOptions): AsyncGenerator<CheckpointTuple>;
  /** Stores a checkpoint as a child of `config.configurable.checkpoint_id` (if any). */
  put(
    config: CheckpointConfig,
    checkpoint: CheckpointToWrite,
    metadata: CheckpointMetadata,
  ): Promise<CheckpointConfig>;
  /** Stores writes a task made against the checkpoint named by `config`. */
  putWrites(config: CheckpointConfig, writes: PendingWrite[], taskId: string): Promise<void>;
  deleteThread(threadId: string): Promise<void>;
  /**
   * Optional. Runs `work` with the writes it makes grouped into one transaction, in order. Under
   * `durability: "async"` and `"exit"` the engine flushes queued checkpoints through it: one
   * commit per batch. `final` marks a root graph's last writes before its invocation returns.
   */
  batch?<T>(work: () => Promise<T>, options?: BatchOptions): Promise<T>;
  /**
   * Optional. Runs `work` like {@link batch} but stores nothing yet: the writes are handed back
   * as {@link HeldWrites}, for a store to write in the statement that ends the run
   * (`RunOutcome.held`). Undefined `held`: the work wrote nothing.
   */
  holdBatch?<T>(work: () => Promise<T>): Promise<{ result: T; held: HeldWrites | undefined }>;
  verify(threadId: string): Promise<VerifyResult>;
  prune(threadId: string, policy: RetentionPolicy): Promise<PruneResult>;
}
