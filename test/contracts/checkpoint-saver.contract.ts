/**
 * The contract every `CheckpointSaver` passes. Each adapter's test file calls
 * {@link runCheckpointSaverContract} with a factory; the same assertions then run against
 * memory, SQLite and PostgreSQL.
 */
import type {
  ChainSaverOptions,
  CheckpointSaver,
  CheckpointTuple,
  SaverStats,
} from "@conclave/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatStates, putChain, threadId } from "../support/checkpoints.ts";
import { batchContract } from "./batch.contract.ts";
import { historyContract } from "./history.contract.ts";
import { integrityContract } from "./integrity.contract.ts";

/** A saver with the storage figures every Conclave saver reports. */
export type SaverUnderTest = CheckpointSaver & { stats(threadId?: string): Promise<SaverStats> };

/** A saver under test and how to dispose of it. */
export interface SaverHandle {
  saver: SaverUnderTest;
  cleanup: () => Promise<void>;
}

/** Makes a fresh saver; `options` tune the shared snapshot policy. */
export type MakeSaver = (options?: ChainSaverOptions) => Promise<SaverHandle>;

/** Gives each suite the shared saver (made once) and the factory (for per-test options). */
export interface ContractContext {
  saver: () => SaverUnderTest;
  make: MakeSaver;
}

/** Collects an async generator. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The ids of tuples, in order. */
export function ids(tuples: CheckpointTuple[]): string[] {
  return tuples.map((t) => t.config.configurable.checkpoint_id!);
}

/** Registers the whole contract suite for one saver. */
export function runCheckpointSaverContract(name: string, makeSaver: MakeSaver): void {
  describe(`CheckpointSaver contract: ${name}`, () => {
    let handle: SaverHandle | undefined;
    beforeAll(async () => {
      handle = await makeSaver();
    });
    afterAll(async () => {
      await handle?.cleanup();
    });
    const ctx: ContractContext = { saver: () => handle!.saver, make: makeSaver };
    readWriteContract(ctx);
    historyContract(ctx);
    integrityContract(ctx);
    batchContract(ctx);
  });
}

function readWriteContract(ctx: ContractContext): void {
  it("put returns the config of the new checkpoint and getTuple reads it back", async () => {
    const saver = ctx.saver();
    const thread = threadId("rw");
    const [a, b] = await putChain(saver, { thread }, [{ x: 1 }, { x: 2, y: "z" }]);
    expect(b!.config.configurable).toMatchObject({ thread_id: thread, checkpoint_ns: "" });
    const latest = await saver.getTuple({ configurable: { thread_id: thread } });
    expect(latest?.checkpoint.channel_values).toEqual({ x: 2, y: "z" });
    expect(latest?.config.configurable.checkpoint_id).toBe(b!.config.configurable.checkpoint_id);
    expect(latest?.parentConfig?.configurable.checkpoint_id).toBe(
      a!.config.configurable.checkpoint_id,
    );
    expect(latest?.metadata).toMatchObject({ source: "loop", step: 0 });
    expect(latest?.checkpoint.updated_channels).toEqual(["x", "y"]);
    expect(latest?.hash).toMatch(/^[0-9a-f]{64}$/);
    const first = await saver.getTuple(a!.config);
    expect(first?.checkpoint.channel_values).toEqual({ x: 1 });
    expect(first?.parentConfig).toBeUndefined();
  });

  it("getTuple returns undefined for an unknown thread or checkpoint", async () => {
    const saver = ctx.saver();
    expect(await saver.getTuple({ configurable: { thread_id: threadId("none") } })).toBeUndefined();
    const thread = threadId("rw");
    await putChain(saver, { thread }, [{ x: 1 }]);
    const missing = { configurable: { thread_id: thread, checkpoint_id: "no-such-id" } };
    expect(await saver.getTuple(missing)).toBeUndefined();
  });

  it("list returns newest first with limit, before and metadata filter", async () => {
    const saver = ctx.saver();
    const thread = threadId("list");
    const stored = await putChain(saver, { thread }, chatStates(6));
    const all = await collect(saver.list({ configurable: { thread_id: thread } }));
    expect(ids(all)).toEqual(stored.map((s) => s.config.configurable.checkpoint_id).reverse());
    all.forEach((t, i) => {
      expect(t.checkpoint.channel_values).toEqual(stored[stored.length - 1 - i]!.values);
    });
    const limited = await collect(
      saver.list({ configurable: { thread_id: thread } }, { limit: 2 }),
    );
    expect(ids(limited)).toEqual(ids(all).slice(0, 2));
    const before = await collect(
      saver.list({ configurable: { thread_id: thread } }, { before: stored[3]!.config, limit: 2 }),
    );
    expect(ids(before)).toEqual(ids(all).slice(3, 5));
    const filtered = await collect(
      saver.list({ configurable: { thread_id: thread } }, { filter: { step: 2 } }),
    );
    expect(ids(filtered)).toEqual([stored[3]!.config.configurable.checkpoint_id]);
    const input = await collect(
      saver.list({ configurable: { thread_id: thread } }, { filter: { source: "input" } }),
    );
    expect(ids(input)).toEqual([stored[0]!.config.configurable.checkpoint_id]);
  });

  it("keeps namespaces of a thread apart", async () => {
    const saver = ctx.saver();
    const thread = threadId("ns");
    const root = await putChain(saver, { thread }, [{ a: 1 }, { a: 2 }]);
    const sub = await putChain(saver, { thread, ns: "node:task-1" }, [{ b: [1] }, { b: [1, 2] }]);
    const rootLatest = await saver.getTuple({ configurable: { thread_id: thread } });
    expect(rootLatest?.checkpoint.channel_values).toEqual({ a: 2 });
    const subConfig = { configurable: { thread_id: thread, checkpoint_ns: "node:task-1" } };
    const subLatest = await saver.getTuple(subConfig);
    expect(subLatest?.checkpoint.channel_values).toEqual({ b: [1, 2] });
    expect(subLatest?.config.configurable.checkpoint_ns).toBe("node:task-1");
    expect(ids(await collect(saver.list(subConfig)))).toEqual(
      sub.map((s) => s.config.configurable.checkpoint_id).reverse(),
    );
    const rootList = await collect(
      saver.list({ configurable: { thread_id: thread, checkpoint_ns: "" } }),
    );
    expect(ids(rootList)).toEqual(root.map((s) => s.config.configurable.checkpoint_id).reverse());
    expect(await collect(saver.list({ configurable: { thread_id: thread } }))).toHaveLength(4);
    const wrongNs = { configurable: { ...sub[0]!.config.configurable, checkpoint_ns: "" } };
    expect(await saver.getTuple(wrongNs)).toBeUndefined();
  });

  it("stores pending writes: regular keep the first, special channels overwrite, in order", async () => {
    const saver = ctx.saver();
    const thread = threadId("writes");
    const [cp] = await putChain(saver, { thread }, [{ x: 1 }]);
    await saver.putWrites(
      cp!.config,
      [
        ["a", 1],
        ["b", { deep: [false, 0, ""] }],
      ],
      "task-1",
    );
    await saver.putWrites(cp!.config, [["__error__", "boom"]], "task-2");
    await saver.putWrites(
      cp!.config,
      [
        ["a", 99],
        ["b", 98],
      ],
      "task-1",
    );
    await saver.putWrites(cp!.config, [["__error__", "boom again"]], "task-2");
    await saver.putWrites(cp!.config, [["c", undefined]], "task-3");
    const expected = [
      ["task-1", "a", 1],
      ["task-1", "b", { deep: [false, 0, ""] }],
      ["task-2", "__error__", "boom again"],
      ["task-3", "c", undefined],
    ];
    expect((await saver.getTuple(cp!.config))?.pendingWrites).toEqual(expected);
    const [listed] = await collect(saver.list({ configurable: { thread_id: thread } }));
    expect(listed?.pendingWrites).toEqual(expected);
  });

  it("deleteThread removes one thread and nothing else", async () => {
    const saver = ctx.saver();
    const doomed = threadId("del");
    const kept = threadId("keep");
    const [cp] = await putChain(saver, { thread: doomed }, [{ x: 1 }, { x: 2 }]);
    await saver.putWrites(cp!.config, [["x", 3]], "t");
    await putChain(saver, { thread: kept }, [{ y: 1 }]);
    await saver.deleteThread(doomed);
    expect(await saver.getTuple({ configurable: { thread_id: doomed } })).toBeUndefined();
    expect(await collect(saver.list({ configurable: { thread_id: doomed } }))).toEqual([]);
    expect(await saver.verify(doomed)).toEqual({ ok: true, checked: 0 });
    const other = await saver.getTuple({ configurable: { thread_id: kept } });
    expect(other?.checkpoint.channel_values).toEqual({ y: 1 });
    expect(await saver.verify(kept)).toEqual({ ok: true, checked: 1 });
  });
}
