/**
 * Shapes shared by every saver's read and write paths: reading configs, numbering pending
 * writes, and turning a stored row back into a `CheckpointTuple`.
 */
import { InvalidArgumentError } from "../errors.ts";
import { decode } from "../serde/decode.ts";
import { encode } from "../serde/encode.ts";
import type { CheckpointPayload } from "./row.ts";
import {
  type CheckpointConfig,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  type ListOptions,
  type PendingWrite,
  SPECIAL_WRITE_CHANNELS,
} from "./types.ts";

/**
 * The `thread_id` of a config.
 * @throws InvalidArgumentError when it is missing or not a non-empty string.
 */
export function threadIdOf(config: CheckpointConfig | undefined, method: string): string {
  const threadId: unknown = config?.configurable?.thread_id;
  if (typeof threadId !== "string" || threadId === "") {
    throw new InvalidArgumentError(
      `${method} needs config.configurable.thread_id, got ${JSON.stringify(threadId) ?? "undefined"}; ` +
        `pass { configurable: { thread_id: "..." } }.`,
      "MISSING_THREAD_ID",
    );
  }
  return threadId;
}

/** The namespace of a config: `checkpoint_ns`, or "" (the root graph). */
export function nsOf(config: CheckpointConfig): string {
  return config.configurable.checkpoint_ns ?? "";
}

/** The config that names one checkpoint. Pure. */
export function configFor(threadId: string, ns: string, id: string): CheckpointConfig {
  return { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: id } };
}

/**
 * The stored index of a pending write. Special channels get LangGraph's fixed negative indexes,
 * so a later write of the same task and channel lands on the same key and overwrites; regular
 * writes use their position, and a repeated `putWrites` keeps the first.
 */
export function writeIndex(channel: string, position: number): number {
  const special = (SPECIAL_WRITE_CHANNELS as readonly string[]).indexOf(channel);
  return special === -1 ? position : SPECIAL_WRITE_INDEX[special]!;
}

// __error__, __interrupt__, __resume__ as in LangGraph's WRITES_IDX_MAP (__scheduled__ is -2).
const SPECIAL_WRITE_INDEX = [-1, -3, -4];

/** Whether a pending write's key overwrites (special channel) or keeps the first (regular). */
export function isSpecialWrite(channel: string): boolean {
  return (SPECIAL_WRITE_CHANNELS as readonly string[]).includes(channel);
}

/** A pending write as stored: the value encoded. */
export interface StoredWrite {
  taskId: string;
  channel: string;
  value: string;
}

/** Encodes a task's writes for storage. @throws NotSerializableError naming the write. */
export function encodeWrites(writes: PendingWrite[], taskId: string) {
  return writes.map(([channel, value], position) => ({
    taskId,
    idx: writeIndex(channel, position),
    channel,
    value: encode(value, `write to channel ${JSON.stringify(channel)} by task ${taskId}`),
  }));
}

/** Builds the tuple for a row and its rebuilt values. Pure. */
export function toTuple(
  threadId: string,
  hash: string,
  payload: CheckpointPayload,
  values: Record<string, unknown>,
  writes: readonly StoredWrite[],
): CheckpointTuple {
  const tuple: CheckpointTuple = {
    config: configFor(threadId, payload.ns, payload.id),
    checkpoint: {
      v: payload.v,
      id: payload.id,
      ts: payload.ts,
      channel_values: values,
      updated_channels: payload.updated_channels,
    },
    metadata: payload.metadata,
    pendingWrites: writes.map(
      (w): CheckpointPendingWrite => [w.taskId, w.channel, decode(w.value)],
    ),
    hash,
  };
  if (payload.parent_id !== null) {
    tuple.parentConfig = configFor(threadId, payload.ns, payload.parent_id);
  }
  return tuple;
}

/**
 * Whether metadata has every top-level value of `filter`. Values compare by canonical encoding,
 * so `{ tags: ["a"] }` matches an equal array. Pure.
 */
export function matchesFilter(
  metadata: Record<string, unknown>,
  filter: ListOptions["filter"],
): boolean {
  if (filter === undefined) return true;
  for (const key of Object.keys(filter)) {
    // Own keys only: a filter on "valueOf" or "constructor" must not read Object.prototype.
    const value = Object.hasOwn(metadata, key) ? metadata[key] : undefined;
    if (encode(value) !== encode(filter[key])) return false;
  }
  return true;
}

/**
 * Checks `list` options.
 * @throws InvalidArgumentError for a limit that is not a non-negative integer.
 */
export function checkListOptions(options: ListOptions): void {
  const { limit } = options;
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) {
    throw new InvalidArgumentError(
      `list limit must be a non-negative integer, got ${String(limit)}; omit it for no limit.`,
    );
  }
}
