/**
 * `verify` on tampered rows, driven through the pure `verifyThread` on rows a MemorySaver
 * wrote (the SQLite and PostgreSQL tamper tests do the same through their CLIs). Also checks
 * the snapshot policy keeps reads bounded.
 */
import {
  type CheckpointRow,
  MemorySaver,
  type RowStore,
  type ThreadHead,
  verifyThread,
} from "@conclave/core";
import { describe, expect, it } from "vitest";
import { chatStates, putChain, threadId } from "../../../test/support/checkpoints.ts";

async function written(policy = { minBytes: 200, maxDeltas: 4 }) {
  const saver = new MemorySaver({ snapshotPolicy: policy });
  const thread = threadId("tamper");
  const stored = await putChain(saver, { thread }, chatStates(12));
  const store = (saver as unknown as { store: RowStore }).store;
  const loaded = await store.loadThread(thread);
  const rows = loaded.rows.map((r) => ({ ...r }));
  const byId = (i: number) =>
    rows.find((r) => r.id === stored[i]!.config.configurable.checkpoint_id)!;
  return { saver, thread, stored, rows, head: loaded.head!, byId, store };
}

const idOf = (row: CheckpointRow) => row.id;

describe("verify reports the first broken checkpoint", () => {
  it("passes untouched rows", async () => {
    const { thread, rows, head } = await written();
    expect(verifyThread(thread, rows, head)).toEqual({ ok: true, checked: 12 });
  });

  it("names an edited payload", async () => {
    const { thread, rows, head, byId } = await written();
    const row = byId(5);
    row.payload = row.payload.replace('"step":4', '"step":40');
    const result = verifyThread(thread, rows, head);
    expect(result).toMatchObject({ ok: false, checkpointId: idOf(row) });
    expect(result.ok === false && result.reason).toMatch(/hash mismatch: content was edited/);
  });

  it("names the child of a deleted middle row", async () => {
    const { thread, rows, head, byId } = await written();
    const gone = byId(4);
    const result = verifyThread(
      thread,
      rows.filter((r) => r !== gone),
      head,
    );
    expect(result).toMatchObject({ ok: false, checkpointId: idOf(byId(5)) });
    expect(result.ok === false && result.reason).toBe(
      `parent ${gone.id} is missing: a row was deleted`,
    );
  });

  it("names a deleted newest row from the head record", async () => {
    const { thread, rows, head, byId } = await written();
    const result = verifyThread(
      thread,
      rows.filter((r) => r !== byId(11)),
      head,
    );
    expect(result).toMatchObject({ ok: false, checkpointId: idOf(byId(11)) });
    expect(result.ok === false && result.reason).toMatch(/newest checkpoint .* is missing/);
  });

  it("names rows stored out of order and rows whose contents were swapped", async () => {
    const { thread, rows, head, byId } = await written();
    [byId(3).seq, byId(6).seq] = [byId(6).seq, byId(3).seq];
    expect(verifyThread(thread, rows, head)).toMatchObject({
      ok: false,
      checkpointId: idOf(byId(4)),
    });
    const second = await written();
    const [a, b] = [second.byId(2), second.byId(7)];
    [a.payload, b.payload] = [b.payload, a.payload];
    const result = verifyThread(second.thread, second.rows, second.head);
    expect(result).toMatchObject({ ok: false, checkpointId: a.id });
    expect(result.ok === false && result.reason).toMatch(/rows were reordered or swapped/);
  });

  it("names an edited snapshot, and an edited anchor snapshot after prune", async () => {
    const { thread, rows, head } = await written();
    const snapRow = rows.filter((r) => r.parentId !== null && r.snapshot !== null)[1]!;
    snapRow.snapshot = snapRow.snapshot!.replace("m1:", "M1:");
    const result = verifyThread(thread, rows, head);
    expect(result).toMatchObject({ ok: false, checkpointId: snapRow.id });
    expect(result.ok === false && result.reason).toMatch(
      /snapshot disagrees with the replayed deltas/,
    );
    const pruned = await written();
    await pruned.saver.prune(pruned.thread, { keepLast: 3 });
    const after = await pruned.store.loadThread(pruned.thread);
    expect(verifyThread(pruned.thread, after.rows, after.head)).toEqual({ ok: true, checked: 3 });
    const anchor = after.rows.find((r) => r.prevHash !== null)!;
    const edited = after.rows.map((r) => (r === anchor ? { ...r, snapshot: "{}" } : r));
    expect(verifyThread(pruned.thread, edited, after.head)).toMatchObject({
      ok: false,
      checkpointId: anchor.id,
      reason: expect.stringMatching(/anchor differs from the digest/),
    });
  });

  it("names a row inserted outside the saver, and a deleted head record", async () => {
    const { thread, rows, head, byId } = await written();
    const extra = { ...byId(11), id: `${byId(11).id}-x`, seq: 999 };
    extra.payload = extra.payload.replace(byId(11).id, extra.id);
    const result = verifyThread(thread, [...rows, extra], head);
    expect(result).toMatchObject({ ok: false, checkpointId: extra.id });
    expect(verifyThread(thread, rows, undefined as ThreadHead | undefined)).toMatchObject({
      ok: false,
      checkpointId: rows.map(idOf).sort()[0],
    });
  });
});

describe("snapshot policy", () => {
  it("bounds the deltas replayed for any read and snapshots every root", async () => {
    const { rows } = await written({ minBytes: 300, maxDeltas: 1000 });
    expect(rows.filter((r) => r.parentId === null).every((r) => r.snapshot !== null)).toBe(true);
    for (const row of rows) {
      expect(row.sinceBytes).toBeLessThan(Math.max(row.snapBytes, 300));
      expect(row.sinceCount).toBeLessThan(1000);
    }
    const counted = await written({ minBytes: 1_000_000, maxDeltas: 4 });
    expect(counted.rows.map((r) => r.snapshot !== null)).toEqual([
      true,
      false,
      false,
      false,
      true,
      false,
      false,
      false,
      true,
      false,
      false,
      false,
    ]);
  });
});
