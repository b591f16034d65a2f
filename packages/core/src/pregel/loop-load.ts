/**
 * Where a run starts: the thread's newest checkpoint (or the one the config addresses), with its
 * pending writes, and whether replaying it forks. Read once, before the loop's first step.
 */
import type {
  CheckpointConfig,
  CheckpointPendingWrite,
  CheckpointSaver,
  CheckpointTuple,
} from "../checkpoint/types.ts";
import { NULL_TASK_ID, RESUME } from "../constants.ts";
import { CheckpointNotFoundError } from "../errors.ts";
import type { Values } from "./algo.ts";

/** A loaded checkpoint, as the loop takes it over. */
export interface LoadedThread {
  values: Values;
  updated: readonly string[];
  step: number;
  checkpointId: string;
  config: CheckpointConfig;
  pendingWrites: CheckpointPendingWrite[];
  /** Resuming this addressed checkpoint writes a `fork` copy first (LangGraph's replay). */
  forks: boolean;
  /** A resume value stored with the checkpoint by `Command({ resume })` before a crash. */
  resume: { value: unknown } | undefined;
}

/**
 * Loads the checkpoint a run of `threadId` in namespace `ns` starts from; undefined for a new
 * thread. A subgraph namespace always takes its newest checkpoint.
 * @throws CheckpointNotFoundError when the addressed checkpoint does not exist.
 */
export async function loadThread(
  saver: CheckpointSaver,
  threadId: string,
  ns: string,
  checkpointId: string | undefined,
): Promise<LoadedThread | undefined> {
  const addressed = ns === "" ? checkpointId : undefined;
  const configurable = { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: addressed };
  const tuple = await saver.getTuple({ configurable });
  if (!tuple) {
    if (addressed)
      throw new CheckpointNotFoundError(
        `Checkpoint "${addressed}" does not exist in thread "${threadId}". List valid ids with getStateHistory().`,
      );
    return undefined;
  }
  const nullResume = tuple.pendingWrites.find(
    ([task, channel]) => task === NULL_TASK_ID && channel === RESUME,
  );
  return {
    values: tuple.checkpoint.channel_values,
    updated: tuple.checkpoint.updated_channels,
    step: tuple.metadata.step,
    checkpointId: tuple.checkpoint.id,
    config: tuple.config,
    pendingWrites: tuple.pendingWrites,
    forks: addressed ? await replayForks(saver, tuple, threadId, ns) : false,
    resume: nullResume ? { value: nullResume[2] } : undefined,
  };
}

/**
 * Whether replaying an addressed checkpoint forks: always for loop/input checkpoints, and for
 * update/fork checkpoints only once newer checkpoints exist (LangGraph's rule).
 */
async function replayForks(
  saver: CheckpointSaver,
  tuple: CheckpointTuple,
  threadId: string,
  ns: string,
): Promise<boolean> {
  const source = tuple.metadata.source;
  if (source !== "update" && source !== "fork") return true;
  const latest = await saver.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: ns } });
  return latest !== undefined && latest.checkpoint.id !== tuple.checkpoint.id;
}
