/**
 * Contract: long histories, forks, delta kinds, pruning and storage size. Reads are always
 * compared with the exact states that were put.
 */
import type { CheckpointSaver } from "@conclave/core";
import { expect, it } from "vitest";
import { chatStates, putChain, type Stored, threadId } from "../support/checkpoints.ts";
import { type ContractContext, collect, ids } from "./checkpoint-saver.contract.ts";

const SMALL_SNAPSHOTS = { snapshotPolicy: { minBytes: 512, maxDeltas: 8 } };

async function expectExactReads(saver: CheckpointSaver, stored: Stored[]): Promise<void> {
  for (const s of stored) {
    const tuple = await saver.getTuple(s.config);
    expect(tuple?.checkpoint.channel_values, s.config.configurable.checkpoint_id).toEqual(s.values);
  }
}

/** Registers the history, fork, prune and storage-size tests. */
export function historyContract(ctx: ContractContext): void {
  it("forks: a put under a past checkpoint makes a branch; both branches read exactly", async () => {
    const saver = ctx.saver();
    const thread = threadId("fork");
    const main = await putChain(saver, { thread }, chatStates(5));
    const branch = await putChain(saver, { thread, parent: main[2] }, [
      { messages: ["forked"], step: 99 },
      { messages: ["forked", "again"], step: 100, extra: true },
    ]);
    await expectExactReads(saver, [...main, ...branch]);
    const latest = await saver.getTuple({ configurable: { thread_id: thread } });
    expect(latest?.config.configurable.checkpoint_id).toBe(
      branch[1]!.config.configurable.checkpoint_id,
    );
    const first = await saver.getTuple(branch[0]!.config);
    expect(first?.parentConfig?.configurable.checkpoint_id).toBe(
      main[2]!.config.configurable.checkpoint_id,
    );
    const listed = await collect(saver.list({ configurable: { thread_id: thread } }));
    expect(new Set(ids(listed))).toEqual(
      new Set([...main, ...branch].map((s) => s.config.configurable.checkpoint_id)),
    );
    expect(await saver.verify(thread)).toEqual({ ok: true, checked: 7 });
  });

  it("applies set, append and delete deltas exactly", async () => {
    const saver = ctx.saver();
    const thread = threadId("ops");
    const stored = await putChain(saver, { thread }, [
      { list: [1], gone: "soon", obj: { a: 1 } },
      { list: [1, 2, 3], gone: "soon", obj: { a: 2 } },
      { list: [1, 2, 3, { four: 4 }], obj: { a: 2 } },
      { list: ["replaced"], obj: { a: 2 }, back: null },
    ]);
    await expectExactReads(saver, stored);
  });

  it("rebuilds every checkpoint of a 1200-step history across many snapshots", async () => {
    for (const options of [undefined, SMALL_SNAPSHOTS]) {
      const { saver, cleanup } = await ctx.make(options);
      try {
        const thread = threadId("long");
        const stored = await putChain(saver, { thread }, chatStates(1200, 30));
        const listed = await collect(saver.list({ configurable: { thread_id: thread } }));
        expect(listed).toHaveLength(1200);
        listed.forEach((tuple, i) => {
          const expected = stored[stored.length - 1 - i]!;
          expect(tuple.config.configurable.checkpoint_id).toBe(
            expected.config.configurable.checkpoint_id,
          );
          expect(tuple.checkpoint.channel_values).toEqual(expected.values);
        });
        await expectExactReads(
          saver,
          stored.filter((_, i) => i % 97 === 0 || i === 1199),
        );
        expect(await saver.verify(thread)).toEqual({ ok: true, checked: 1200 });
      } finally {
        await cleanup();
      }
    }
  });

  it("stores a 2000-step thread of 1 KB messages in a few MB", async () => {
    const { saver, cleanup } = await ctx.make();
    try {
      const thread = threadId("size");
      await putChain(saver, { thread }, chatStates(2000, 1000));
      const stats = await saver.stats(thread);
      expect(stats.checkpoints).toBe(2000);
      // Deltas alone are ~2.1 MB; LangGraph's full copies would be ~2 GB.
      expect(stats.bytes).toBeLessThan(8 * 1024 * 1024);
      expect(stats.bytes).toBeGreaterThan(2 * 1000 * 1000);
    } finally {
      await cleanup();
    }
  });

  it("prune keepLast keeps the newest per namespace; verify passes and reads stay exact", async () => {
    const { saver, cleanup } = await ctx.make(SMALL_SNAPSHOTS);
    try {
      const thread = threadId("prune");
      const root = await putChain(saver, { thread }, chatStates(30));
      const sub = await putChain(saver, { thread, ns: "node:sub" }, chatStates(3));
      await saver.putWrites(root[2]!.config, [["x", 1]], "t1");
      await saver.putWrites(root[29]!.config, [["x", 2]], "t1");
      expect(await saver.prune(thread, { keepLast: 5 })).toEqual({ deleted: 25 });
      expect(await saver.verify(thread)).toEqual({ ok: true, checked: 8 });
      await expectExactReads(saver, [...root.slice(25), ...sub]);
      expect(await saver.getTuple(root[2]!.config)).toBeUndefined();
      expect((await saver.getTuple(root[29]!.config))?.pendingWrites).toEqual([["t1", "x", 2]]);
      const more = await putChain(saver, { thread, parent: root[29] }, chatStates(34).slice(30));
      expect(await saver.prune(thread, { keepLast: 2 })).toEqual({ deleted: 8 });
      expect(await saver.verify(thread)).toEqual({ ok: true, checked: 4 });
      await expectExactReads(saver, [...more.slice(2), ...sub.slice(1)]);
      expect(await saver.stats(thread)).toMatchObject({ checkpoints: 4, writes: 0 });
    } finally {
      await cleanup();
    }
  });

  it("prune maxAgeMs deletes old checkpoints by their ts, keeping the newest and forks", async () => {
    const { saver, cleanup } = await ctx.make(SMALL_SNAPSHOTS);
    try {
      const thread = threadId("age");
      const t0 = Date.parse("2024-01-01T00:00:00.000Z");
      const ts = (i: number) => new Date(t0 + i * 60_000).toISOString();
      const main = await putChain(saver, { thread }, chatStates(20), { ts });
      const branch = await putChain(saver, { thread, parent: main[4] }, [{ forked: 1 }], {
        ts: () => ts(20),
      });
      const now = new Date(t0 + 20 * 60_000);
      const result = await saver.prune(thread, { maxAgeMs: 10.5 * 60_000, now });
      // Kept: main[10..19] (younger than 10.5 min) and the fork, whose parent main[4] is deleted.
      expect(result).toEqual({ deleted: 10 });
      expect(await saver.verify(thread)).toEqual({ ok: true, checked: 11 });
      await expectExactReads(saver, [...main.slice(10), ...branch]);
      const oldOnly = await saver.prune(thread, { maxAgeMs: 0, now, keepLast: 1 });
      expect(oldOnly).toEqual({ deleted: 10 });
      expect(await saver.verify(thread)).toEqual({ ok: true, checked: 1 });
    } finally {
      await cleanup();
    }
  });
}
