/**
 * Rebuilding a checkpoint's channel values: decode the nearest snapshot at or above it, then
 * apply the deltas of the rows below that snapshot, oldest first. Forks make the rows a tree, so
 * the chain is found by following parent links, never by id order.
 */
import { CheckpointFormatError } from "../errors.ts";
import { decode } from "../serde/decode.ts";
import { encode } from "../serde/encode.ts";
import { type CheckpointPayload, decodePayload } from "./row.ts";
import type { ChannelDeltas } from "./types.ts";

/** The columns replay needs. */
export interface ChainRow {
  id: string;
  parentId: string | null;
  payload: string;
  snapshot: string | null;
}

/**
 * A one-entry cache of state, so `list` (newest first) rebuilds each parent from its child's
 * replay instead of from the snapshot again. Use one cache per namespace.
 */
export interface ReplayCache {
  id: string;
  /** Encoded channel values: decoding gives the caller its own copy. */
  state: string;
}

/**
 * Applies one row's delta to `values` in place. `where` names the checkpoint in errors.
 * @throws CheckpointFormatError for an unknown op, or `append` to a value that is not an array.
 */
export function applyDelta(values: Record<string, unknown>, delta: ChannelDeltas, where: string) {
  for (const channel of Object.keys(delta)) {
    const change = delta[channel]!;
    if (change.op === "set") values[channel] = change.value;
    else if (change.op === "delete") delete values[channel];
    else if (change.op === "append") appendItems(values, channel, change.items, where);
    else {
      throw new CheckpointFormatError(
        `Checkpoint ${where} has an unknown delta op ${JSON.stringify((change as { op: unknown }).op)} ` +
          `on channel ${JSON.stringify(channel)}; it was written by a newer runtime or is corrupt.`,
      );
    }
  }
}

function appendItems(
  values: Record<string, unknown>,
  channel: string,
  items: unknown[],
  where: string,
): void {
  const current = values[channel];
  if (current === undefined) values[channel] = [...items];
  else if (Array.isArray(current)) for (const item of items) current.push(item);
  else {
    throw new CheckpointFormatError(
      `Checkpoint ${where} appends to channel ${JSON.stringify(channel)}, whose value is not an ` +
        `array (${typeof current}). The chain is corrupt; run verify on the thread.`,
    );
  }
}

/**
 * Rebuilds the channel values of `chain[0]`. Pure apart from `cache`.
 * @param chain - The target row, then its parent, grandparent... ending at the first row that has
 *   a snapshot (or whose id is `cache.id`).
 * @param cache - When given, receives the parent's state, and supplies a state when its id is in
 *   the chain.
 * @throws CheckpointFormatError when the chain is broken or ends without a snapshot.
 */
export function replayChain(
  chain: readonly ChainRow[],
  cache?: ReplayCache,
): { values: Record<string, unknown>; payload: CheckpointPayload } {
  const base = findBase(chain, cache);
  const values = decodeState(base.state, chain[base.index]!.id);
  let payload: CheckpointPayload | undefined;
  for (let i = base.index - 1; i >= 0; i--) {
    const row = chain[i]!;
    if (row.parentId !== chain[i + 1]!.id) throw brokenChain(chain[0]!.id, row.id);
    const decoded = decodePayload(row.payload, row.id);
    if (cache && i === 0 && chain.length > 1) {
      cache.id = chain[1]!.id;
      cache.state = encode(values, "state");
    }
    applyDelta(values, decoded.delta, row.id);
    if (i === 0) payload = decoded;
  }
  return { values, payload: payload ?? decodePayload(chain[0]!.payload, chain[0]!.id) };
}

function findBase(chain: readonly ChainRow[], cache?: ReplayCache) {
  for (let index = 0; index < chain.length; index++) {
    const row = chain[index]!;
    if (cache !== undefined && cache.id === row.id) return { index, state: cache.state };
    if (row.snapshot !== null) return { index, state: row.snapshot };
  }
  const last = chain[chain.length - 1];
  throw new CheckpointFormatError(
    `Checkpoint ${chain[0]?.id ?? "(none)"} cannot be rebuilt: the chain ends at ` +
      `${last?.id ?? "(nothing)"}, which has no snapshot, and its parent ` +
      `${JSON.stringify(last?.parentId ?? null)} is missing. Run verify on the thread.`,
  );
}

function decodeState(text: string, where: string): Record<string, unknown> {
  const value = decode(text);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CheckpointFormatError(
      `The snapshot of checkpoint ${where} is not an object of channel values; the row is corrupt.`,
    );
  }
  return value as Record<string, unknown>;
}

function brokenChain(target: string, at: string): Error {
  return new CheckpointFormatError(
    `Checkpoint ${target} cannot be rebuilt: the chain is broken at ${at}, whose parent is not ` +
      `the next row loaded. Run verify on the thread.`,
  );
}
