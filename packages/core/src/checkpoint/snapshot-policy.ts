/**
 * When a row also stores a full snapshot of the channel values.
 *
 * Every row stores its delta. A snapshot is added when the row has no parent, when the payload
 * characters written since the last snapshot reach max(that snapshot's size, `minBytes`), or
 * after `maxDeltas` deltas. Snapshot sizes therefore at most double between snapshots, so all
 * snapshots together stay within ~2x the deltas (total storage within ~3x), and rebuilding any
 * checkpoint reads one snapshot plus at most about as many delta bytes as that snapshot holds:
 * O(state size), however long the thread.
 *
 * The delta-count rule bounds replay work when deltas are tiny, but on very long threads of
 * small deltas it dominates storage: 20 000 steps of 200-byte messages store ~2.8 KB per step
 * (a snapshot of the whole, growing state every 1000 steps) against ~0.45 KB of deltas. Raise
 * `maxDeltas` for such threads; the byte rule alone keeps storage within ~3x of the deltas.
 */
import { InvalidArgumentError } from "../errors.ts";
import type { ChainLink } from "./row.ts";

/** Tuning for {@link shouldSnapshot}. */
export interface SnapshotPolicy {
  /** Delta characters since the last snapshot that always trigger one. Default 64 KiB. */
  minBytes: number;
  /** Deltas since the last snapshot that trigger one. Default 1000. */
  maxDeltas: number;
}

/** The defaults: 64 KiB and 1000 deltas. */
export const DEFAULT_SNAPSHOT_POLICY: Readonly<SnapshotPolicy> = Object.freeze({
  minBytes: 64 * 1024,
  maxDeltas: 1000,
});

/**
 * Fills in defaults and checks the values.
 * @throws InvalidArgumentError when a value is not a positive integer.
 */
export function resolveSnapshotPolicy(policy: Partial<SnapshotPolicy> = {}): SnapshotPolicy {
  const resolved = { ...DEFAULT_SNAPSHOT_POLICY, ...policy };
  for (const key of ["minBytes", "maxDeltas"] as const) {
    const value = resolved[key];
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new InvalidArgumentError(
        `snapshotPolicy.${key} must be a positive integer, got ${String(value)}; omit it to ` +
          `use the default ${DEFAULT_SNAPSHOT_POLICY[key]}.`,
      );
    }
  }
  return resolved;
}

/** Whether a row with this parent and payload size stores a snapshot. Pure. */
export function shouldSnapshot(
  parent: ChainLink | undefined,
  payloadChars: number,
  policy: SnapshotPolicy,
): boolean {
  if (parent === undefined) return true;
  if (parent.sinceCount + 1 >= policy.maxDeltas) return true;
  return parent.sinceBytes + payloadChars >= Math.max(parent.snapBytes, policy.minBytes);
}
