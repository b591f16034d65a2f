/**
 * Checks a thread's stored rows against their hash chain and head record. Pure: savers load the
 * rows and the head, this decides. Rows are checked in chain order (by checkpoint id, which is
 * time-ordered, so every parent before its children), and the first broken one is reported.
 *
 * Per row: the payload decodes; its ids match the row's columns; the parent exists (or the row
 * is an anchor left by `prune`); the parent was stored first; the hash equals
 * sha256(parentHash + "\n" + payload); a snapshot equals the replayed deltas (an anchor's
 * snapshot instead matches the digest in the head record). Then the head record: the newest
 * checkpoint exists with the recorded hash and the row count matches.
 */
import { encode } from "../serde/encode.ts";
import { parseAnchors } from "./anchors.ts";
import { applyDelta, type ChainRow, replayChain } from "./replay.ts";
import {
  type CheckpointPayload,
  type CheckpointRow,
  chainHash,
  decodePayload,
  rowKey,
  sha256,
  type ThreadHead,
} from "./row.ts";
import type { VerifyResult } from "./types.ts";

interface Context {
  threadId: string;
  byKey: Map<string, CheckpointRow>;
  anchors: Map<string, string>;
}

/**
 * Verifies one thread. Never throws for tampering: it reports the first broken checkpoint.
 * @param rows - Every row of the thread, all namespaces, snapshots included.
 * @param head - The thread's head record, or undefined when there is none.
 */
export function verifyThread(
  threadId: string,
  rows: readonly CheckpointRow[],
  head: ThreadHead | undefined,
): VerifyResult {
  const ctx: Context = {
    threadId,
    byKey: new Map(rows.map((row) => [rowKey(row.ns, row.id), row])),
    anchors: parseAnchors(head?.anchors ?? null),
  };
  const ordered = [...rows].sort(chainOrder);
  let checked = 0;
  for (const row of ordered) {
    checked++;
    const reason = checkRow(row, ctx);
    if (reason !== undefined) return { ok: false, checked, checkpointId: row.id, reason };
  }
  return checkHead(ordered, head, checked);
}

function chainOrder(a: CheckpointRow, b: CheckpointRow): number {
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0;
}

function checkRow(row: CheckpointRow, ctx: Context): string | undefined {
  let payload: CheckpointPayload;
  try {
    payload = decodePayload(row.payload, row.id);
  } catch (error) {
    return `payload cannot be decoded: content was edited (${(error as Error).message})`;
  }
  const stored = { thread_id: ctx.threadId, ns: row.ns, id: row.id, parent_id: row.parentId };
  for (const field of ["thread_id", "ns", "id", "parent_id"] as const) {
    if (payload[field] !== stored[field]) {
      return (
        `payload says ${field} ${JSON.stringify(payload[field])} but the row is stored with ` +
        `${JSON.stringify(stored[field])}: rows were reordered or swapped`
      );
    }
  }
  return checkLink(row, payload, ctx);
}

function checkLink(
  row: CheckpointRow,
  payload: CheckpointPayload,
  ctx: Context,
): string | undefined {
  const parent = row.parentId === null ? undefined : ctx.byKey.get(rowKey(row.ns, row.parentId));
  if (row.parentId !== null && parent === undefined && row.prevHash === null) {
    return `parent ${row.parentId} is missing: a row was deleted`;
  }
  if (parent !== undefined && parent.seq >= row.seq) {
    return (
      `rows reordered: stored at position ${row.seq}, before its parent ${parent.id} ` +
      `(position ${parent.seq})`
    );
  }
  const expected = chainHash(parent?.hash ?? row.prevHash ?? "", row.payload);
  if (expected !== row.hash) {
    return (
      `hash mismatch: content was edited (stored ${row.hash.slice(0, 12)}..., ` +
      `recomputed ${expected.slice(0, 12)}...)`
    );
  }
  if (row.parentId !== null && parent === undefined) return checkAnchor(row, ctx);
  return checkSnapshot(row, payload, ctx);
}

function checkAnchor(row: CheckpointRow, ctx: Context): string | undefined {
  const recorded = ctx.anchors.get(rowKey(row.ns, row.id));
  if (recorded === undefined) {
    return `parent ${row.parentId} is missing and the head record lists no anchor here: a row was deleted`;
  }
  if (row.snapshot === null || sha256(row.snapshot) !== recorded) {
    return "snapshot of this anchor differs from the digest in the head record: the snapshot was edited";
  }
  return undefined;
}

function checkSnapshot(
  row: CheckpointRow,
  payload: CheckpointPayload,
  ctx: Context,
): string | undefined {
  if (row.snapshot === null) {
    return row.parentId === null
      ? "root checkpoint has no snapshot: the snapshot was removed"
      : undefined;
  }
  let values: Record<string, unknown>;
  try {
    if (row.parentId === null) {
      values = {};
      applyDelta(values, payload.delta, row.id);
    } else {
      const chain: ChainRow[] = [{ ...row, snapshot: null }];
      collectChain(ctx, row.ns, row.parentId, chain);
      values = replayChain(chain).values;
    }
  } catch (error) {
    return `cannot be rebuilt from its ancestors: ${(error as Error).message}`;
  }
  if (encode(values, "state") !== row.snapshot) {
    return "snapshot disagrees with the replayed deltas: the snapshot was edited";
  }
  return undefined;
}

/** Appends the row named `id` and its ancestors up to the first with a snapshot. */
function collectChain(ctx: Context, ns: string, id: string, into: ChainRow[]): void {
  let next: string | null = id;
  while (next !== null) {
    const row = ctx.byKey.get(rowKey(ns, next));
    if (row === undefined) return;
    into.push(row);
    if (row.snapshot !== null) return;
    next = row.parentId;
  }
}

function checkHead(
  ordered: readonly CheckpointRow[],
  head: ThreadHead | undefined,
  checked: number,
): VerifyResult {
  if (head === undefined) {
    const first = ordered[0];
    if (first === undefined) return { ok: true, checked };
    return fail(checked, first.id, "the thread has rows but no head record: it was deleted");
  }
  const newest = ordered.find((row) => row.ns === head.headNs && row.id === head.headId);
  if (newest === undefined) {
    return fail(
      checked,
      head.headId,
      `newest checkpoint ${head.headId} is missing: a row was deleted`,
    );
  }
  if (newest.hash !== head.headHash) {
    return fail(
      checked,
      head.headId,
      "hash differs from the head record: the newest row was replaced",
    );
  }
  if (ordered.length !== head.rowCount) {
    const later = ordered.find((row) => row.id > head.headId);
    if (later !== undefined) {
      return fail(
        checked,
        later.id,
        "newer than the head record: a row was inserted outside Conclave",
      );
    }
    return fail(
      checked,
      head.headId,
      `the thread has ${ordered.length} rows but its head record counts ${head.rowCount}: ` +
        "a row was deleted or inserted outside Conclave",
    );
  }
  return { ok: true, checked };
}

function fail(checked: number, checkpointId: string, reason: string): VerifyResult {
  return { ok: false, checked, checkpointId, reason };
}
