/**
 * Turns what the engine passes to `put` into the row every saver stores. Pure: the savers do
 * the I/O (finding the parent's link, inserting the row, updating the head).
 */
import { CheckpointNotFoundError, InvalidArgumentError, NotSerializableError } from "../errors.ts";
import { encode } from "../serde/encode.ts";
import { findUnserializable } from "../serde/inspect.ts";
import { SUPPORTED_KINDS } from "../serde/tags.ts";
import { type ChainLink, chainHash, type NewCheckpointRow, ROW_FORMAT_VERSION } from "./row.ts";
import { type SnapshotPolicy, shouldSnapshot } from "./snapshot-policy.ts";
import type { CheckpointMetadata, CheckpointToWrite } from "./types.ts";

/** Everything `buildRow` needs. */
export interface BuildRowInput {
  threadId: string;
  ns: string;
  checkpoint: CheckpointToWrite;
  metadata: CheckpointMetadata;
  /** The parent's id, from `config.configurable.checkpoint_id`; null for a root. */
  parentId: string | null;
  /** The parent's link; required when `parentId` is set. */
  parent: ChainLink | undefined;
  policy: SnapshotPolicy;
}

/**
 * Builds the row to store for a `put`. Pure.
 * @throws NotSerializableError naming the path of a value that cannot be stored
 *   (e.g. `state.items[3].handle`).
 * @throws CheckpointNotFoundError when `parentId` is set but its link was not found.
 */
export function buildRow(input: BuildRowInput): NewCheckpointRow {
  const { threadId, ns, checkpoint, parentId, parent } = input;
  if (parentId !== null && parent === undefined) throw missingParent(threadId, ns, parentId);
  const payload = encodePayload(input);
  const snap = shouldSnapshot(parent, payload.length, input.policy)
    ? encode(checkpoint.channel_values, "state")
    : null;
  return {
    threadId,
    ns,
    id: checkpoint.id,
    parentId,
    ts: checkpoint.ts,
    payload,
    hash: chainHash(parent?.hash ?? "", payload),
    prevHash: null,
    snapshot: snap,
    sinceBytes: snap === null ? parent!.sinceBytes + payload.length : 0,
    sinceCount: snap === null ? parent!.sinceCount + 1 : 0,
    snapBytes: snap === null ? parent!.snapBytes : snap.length,
  };
}

function encodePayload(input: BuildRowInput): string {
  const { checkpoint } = input;
  const content = {
    format: ROW_FORMAT_VERSION,
    thread_id: input.threadId,
    ns: input.ns,
    id: checkpoint.id,
    parent_id: input.parentId,
    ts: checkpoint.ts,
    v: checkpoint.v,
    metadata: input.metadata,
    delta: checkpoint.delta,
    updated_channels: checkpoint.updated_channels,
  };
  try {
    return encode(content, "checkpoint");
  } catch (error) {
    if (!(error instanceof NotSerializableError)) throw error;
    throw renamePath(error, input);
  }
}

/**
 * The payload path (`checkpoint.delta.items.value[3]`) means little to a user; the same value
 * usually sits in the full state, so name it there (`state.items[3]`) when it can be found.
 */
function renamePath(error: NotSerializableError, input: BuildRowInput): NotSerializableError {
  const found =
    findUnserializable(input.checkpoint.channel_values, "state") ??
    findUnserializable(input.metadata, "metadata");
  if (found === undefined) return error;
  return new NotSerializableError(
    found.path,
    `Cannot serialize ${found.path}: it is ${found.kind}. Convert it to a plain object or a ` +
      `supported type: ${SUPPORTED_KINDS}.`,
    { cause: error },
  );
}

/** The error for a `put` whose parent checkpoint does not exist. */
export function missingParent(threadId: string, ns: string, parentId: string): Error {
  return new CheckpointNotFoundError(
    `put names parent checkpoint ${JSON.stringify(parentId)} in thread ` +
      `${JSON.stringify(threadId)}, namespace ${JSON.stringify(ns)}, but it does not exist. ` +
      `Pass the config returned by the previous put (or no checkpoint_id for a new thread).`,
  );
}

/** The error for a `put` whose checkpoint id is taken by a row with different content. */
export function checkpointExists(threadId: string, id: string): Error {
  return new InvalidArgumentError(
    `Checkpoint ${JSON.stringify(id)} already exists in thread ${JSON.stringify(threadId)} ` +
      `with different content; checkpoint ids must be unique. Generate a new id for each put.`,
    "CHECKPOINT_EXISTS",
  );
}
