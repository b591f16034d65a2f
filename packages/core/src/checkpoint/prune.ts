/**
 * Which rows `prune` deletes, and which surviving rows become anchors. Pure: savers load the
 * rows, apply the plan in one transaction, and materialize each new anchor's snapshot with
 * {@link anchorUpdate} before its parent is gone.
 */
import { InvalidArgumentError } from "../errors.ts";
import { encode } from "../serde/encode.ts";
import { type AnchorEntry, mergeAnchors } from "./anchors.ts";
import { type ChainRow, replayChain } from "./replay.ts";
import { type CheckpointRow, rowKey, sha256, type ThreadHead } from "./row.ts";
import type { PruneChanges } from "./row-store.ts";
import type { RetentionPolicy } from "./types.ts";

/** The columns a prune plan needs. */
export type PruneRow = Pick<CheckpointRow, "ns" | "id" | "parentId" | "ts" | "hash">;

/** What a prune does. */
export interface PrunePlan<R extends PruneRow = PruneRow> {
  /** Rows to delete with their pending writes. */
  deleted: R[];
  /** `rowKey`s of `deleted`. */
  deletedKeys: Set<string>;
  /** Kept rows whose parent is deleted: each needs a snapshot and `prevHash`. */
  newAnchors: Array<{ row: R; prevHash: string }>;
}

/**
 * Decides what to delete: per namespace, everything except the newest `keepLast` and the rows
 * younger than `maxAgeMs`; the newest row of each namespace is always kept. Pure.
 * @throws InvalidArgumentError when neither option is set or a value is invalid.
 */
export function planPrune<R extends PruneRow>(rows: readonly R[], policy: RetentionPolicy) {
  checkRetentionPolicy(policy);
  const now = (policy.now ?? new Date()).getTime();
  const byNs = new Map<string, R[]>();
  for (const row of rows) {
    const list = byNs.get(row.ns);
    if (list) list.push(row);
    else byNs.set(row.ns, [row]);
  }
  const plan: PrunePlan<R> = { deleted: [], deletedKeys: new Set(), newAnchors: [] };
  for (const list of byNs.values()) {
    list.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    list.forEach((row, index) => {
      if (index === 0 || keeps(row, index, policy, now)) return;
      plan.deleted.push(row);
      plan.deletedKeys.add(rowKey(row.ns, row.id));
    });
  }
  const byKey = new Map(rows.map((row) => [rowKey(row.ns, row.id), row]));
  for (const row of rows) {
    if (row.parentId === null || plan.deletedKeys.has(rowKey(row.ns, row.id))) continue;
    const parentKey = rowKey(row.ns, row.parentId);
    const parent = byKey.get(parentKey);
    if (parent !== undefined && plan.deletedKeys.has(parentKey)) {
      plan.newAnchors.push({ row, prevHash: parent.hash });
    }
  }
  return plan;
}

function keeps(row: PruneRow, index: number, policy: RetentionPolicy, now: number): boolean {
  if (policy.keepLast !== undefined && index < policy.keepLast) return true;
  if (policy.maxAgeMs !== undefined) {
    const age = now - Date.parse(row.ts);
    // An unparseable ts is kept: deleting data on a guess is worse than keeping it.
    if (Number.isNaN(age) || age < policy.maxAgeMs) return true;
  }
  return false;
}

/**
 * Checks a retention policy.
 * @throws InvalidArgumentError when neither option is set or a value is invalid.
 */
export function checkRetentionPolicy(policy: RetentionPolicy): void {
  const { keepLast, maxAgeMs, now } = policy;
  if (keepLast === undefined && maxAgeMs === undefined) {
    throw new InvalidArgumentError(
      "prune needs keepLast or maxAgeMs (or both); with neither it would keep only the newest " +
        "checkpoint, which is rarely meant. Pass e.g. { keepLast: 100 }.",
    );
  }
  if (keepLast !== undefined && (!Number.isSafeInteger(keepLast) || keepLast < 0)) {
    throw new InvalidArgumentError(`prune keepLast must be an integer >= 0, got ${keepLast}.`);
  }
  if (maxAgeMs !== undefined && !(maxAgeMs >= 0)) {
    throw new InvalidArgumentError(`prune maxAgeMs must be a number >= 0, got ${maxAgeMs}.`);
  }
  if (now !== undefined && Number.isNaN(now.getTime())) {
    throw new InvalidArgumentError("prune now must be a valid Date, got an invalid Date.");
  }
}

/** The column values that turn a row into an anchor, given its rebuilt state. Pure. */
export function anchorUpdate(
  row: Pick<CheckpointRow, "ns" | "id">,
  values: Record<string, unknown>,
  prevHash: string,
) {
  const snapshot = encode(values, "state");
  const entry: AnchorEntry = [row.ns, row.id, sha256(snapshot)];
  return { snapshot, prevHash, snapBytes: snapshot.length, entry };
}

/**
 * Everything a prune changes, from the thread's rows and head. Pure; each new anchor's state is
 * rebuilt from the rows as they are before the delete.
 */
export function computePrune(
  rows: readonly CheckpointRow[],
  head: ThreadHead | undefined,
  policy: RetentionPolicy,
): PruneChanges {
  const plan = planPrune(rows, policy);
  const byKey = new Map(rows.map((row) => [rowKey(row.ns, row.id), row]));
  const entries: AnchorEntry[] = [];
  const anchors: PruneChanges["anchors"] = plan.newAnchors.map(({ row, prevHash }) => {
    const chain: ChainRow[] = [];
    for (let r: CheckpointRow | undefined = row; r !== undefined; ) {
      chain.push(r);
      if (r.snapshot !== null || r.parentId === null) break;
      r = byKey.get(rowKey(r.ns, r.parentId));
    }
    const update = anchorUpdate(row, replayChain(chain).values, prevHash);
    entries.push(update.entry);
    return {
      ns: row.ns,
      id: row.id,
      snapshot: update.snapshot,
      prevHash,
      snapBytes: update.snapBytes,
    };
  });
  return {
    deleted: plan.deleted.map((row): [string, string] => [row.ns, row.id]),
    anchors,
    head: {
      rowCount: (head?.rowCount ?? rows.length) - plan.deleted.length,
      anchors: mergeAnchors(head?.anchors ?? null, plan.deletedKeys, entries),
    },
  };
}
