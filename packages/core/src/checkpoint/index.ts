/**
 * Checkpoint storage: the saver contract, the shared row codec (hash chain, snapshot policy,
 * replay, verify, prune planning) and the in-memory saver.
 */
export { type AnchorEntry, mergeAnchors, parseAnchors } from "./anchors.ts";
export { type BuildRowInput, buildRow, checkpointExists, missingParent } from "./build-row.ts";
export { ChainSaver, type ChainSaverOptions } from "./chain-saver.ts";
export { MemorySaver } from "./memory-saver.ts";
export {
  anchorUpdate,
  checkRetentionPolicy,
  computePrune,
  type PrunePlan,
  type PruneRow,
  planPrune,
} from "./prune.ts";
export { applyDelta, type ChainRow, type ReplayCache, replayChain } from "./replay.ts";
export {
  type ChainLink,
  type CheckpointPayload,
  type CheckpointRow,
  chainHash,
  decodePayload,
  type NewCheckpointRow,
  ROW_FORMAT_VERSION,
  rowKey,
  sha256,
  type ThreadHead,
} from "./row.ts";
export {
  type Awaitable,
  answerEmptyOnce,
  type EncodedWrite,
  guardRowStore,
  type PruneChanges,
  type ReadRow,
  type RowQuery,
  type RowStore,
  type SaverStats,
} from "./row-store.ts";
export {
  DEFAULT_SNAPSHOT_POLICY,
  resolveSnapshotPolicy,
  type SnapshotPolicy,
  shouldSnapshot,
} from "./snapshot-policy.ts";
export {
  checkListOptions,
  configFor,
  encodeWrites,
  isSpecialWrite,
  matchesFilter,
  nsOf,
  type StoredWrite,
  threadIdOf,
  toTuple,
  writeIndex,
} from "./tuple.ts";
export * from "./types.ts";
export { verifyThread } from "./verify.ts";
