/**
 * The contract of `CheckpointSaver.batch`, for savers that have one: a batch stores exactly
 * what its puts and writes store one by one, all of it or (when its work throws) none of it.
 */
import type { CheckpointConfig, CheckpointSaver, CheckpointTuple } from "@conclave/core";
import { expect, it } from "vitest";
import { checkpointOf, meta, nextId, threadId } from "../support/checkpoints.ts";
import { type ContractContext, collect } from "./checkpoint-saver.contract.ts";

type Batching = CheckpointSaver & Required<Pick<CheckpointSaver, "batch">>;

const config = (thread: string, ns = "", id?: string): CheckpointConfig => ({
  configurable: { thread_id: thread, checkpoint_ns: ns, ...(id ? { checkpoint_id: id } : {}) },
});

/**
 * What a run's loop stores, step by step: a root chain of three, a subgraph namespace, and
 * writes with repeats (a regular channel keeps its first value, `__error__` its last).
 */
function runSteps(saver: CheckpointSaver, thread: string, ids: string[]) {
  const [a, b, c, sub] = ids;
  const s1 = { n: 1 };
  const s2 = { n: 2, log: ["x"] };
  const s3 = { n: 3, log: ["x", "y"] };
  const at = config(thread, "", b);
  return [
    () => saver.put(config(thread), checkpointOf({}, s1, { id: a, ts: "t1" }), meta(-1)),
    () => saver.put(config(thread, "", a), checkpointOf(s1, s2, { id: b, ts: "t2" }), meta(0)),
    () =>
      saver.putWrites(
        at,
        [
          ["n", 5],
          ["log", ["w"]],
        ],
        "task-1",
      ),
    () =>
      saver.putWrites(
        at,
        [
          ["n", 6],
          ["__error__", "first"],
        ],
        "task-1",
      ),
    () => saver.putWrites(at, [["__error__", "second"]], "task-1"),
    () => saver.put(config(thread, "", b), checkpointOf(s2, s3, { id: c, ts: "t3" }), meta(1)),
    () =>
      saver.put(config(thread, "child"), checkpointOf({}, { k: 1 }, { id: sub, ts: "t4" }), {
        ...meta(-1),
        parents: { "": c! },
      }),
  ];
}

async function inOrder(steps: (() => Promise<unknown>)[]): Promise<void> {
  for (const step of steps) await step();
}

/** The first step alone (so the thread has a head record), the rest in a batch (one nested). */
async function batchedSteps(saver: Batching, thread: string, ids: string[]): Promise<void> {
  const [first, ...rest] = runSteps(saver, thread, ids);
  await first!();
  await saver.batch(async () => {
    await inOrder(rest.slice(0, 1));
    await saver.batch(() => inOrder(rest.slice(1, 4)));
    await inOrder(rest.slice(4));
  });
}

/** A tuple without what names its thread (the id, and the hashes, which chain from it). */
function contents(tuple: CheckpointTuple) {
  return {
    id: tuple.config.configurable.checkpoint_id,
    ns: tuple.config.configurable.checkpoint_ns,
    parent: tuple.parentConfig?.configurable.checkpoint_id,
    checkpoint: tuple.checkpoint,
    metadata: tuple.metadata,
    writes: tuple.pendingWrites,
  };
}

async function stored(saver: CheckpointSaver, thread: string) {
  const tuples = await collect(saver.list({ configurable: { thread_id: thread } }));
  return tuples.map(contents);
}

/** Registers the batch tests; savers without `batch` skip them. */
export function batchContract(ctx: ContractContext): void {
  const batching = (skip: () => void): Batching => {
    const saver = ctx.saver();
    if (saver.batch === undefined) skip();
    return saver as Batching;
  };

  it("batch stores exactly what the same puts and writes store one by one", async ({ skip }) => {
    const saver = batching(skip);
    const ids = [nextId(), nextId(), nextId(), nextId()];
    const single = threadId("one-by-one");
    const batched = threadId("batched");
    await inOrder(runSteps(saver, single, ids));
    await batchedSteps(saver, batched, ids);
    const expected = await stored(saver, single);
    expect(expected).toHaveLength(4);
    expect(await stored(saver, batched)).toEqual(expected);
    const [latest] = expected;
    expect(latest).toMatchObject({ ns: "child" });
    const middle = expected.find((t) => t.id === ids[1])!;
    expect(middle.writes).toEqual([
      ["task-1", "n", 5],
      ["task-1", "log", ["w"]],
      ["task-1", "__error__", "second"],
    ]);
    expect(await saver.verify(single)).toMatchObject({ ok: true });
    expect(await saver.verify(batched)).toMatchObject({ ok: true });
    const root = await saver.getTuple(config(batched));
    expect(root?.config.configurable.checkpoint_id).toBe(ids[2]);
  });

  it("a batch whose work throws stores none of its writes", async ({ skip }) => {
    const saver = batching(skip);
    const thread = threadId("thrown");
    const failure = new Error("the node failed");
    await expect(
      saver.batch(async () => {
        await inOrder(runSteps(saver, thread, [nextId(), nextId(), nextId(), nextId()]));
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await collect(saver.list({ configurable: { thread_id: thread } }))).toEqual([]);
    const after = await saver.put(config(thread), checkpointOf({}, { n: 1 }), meta(-1));
    expect((await saver.getTuple(after))?.checkpoint.channel_values).toEqual({ n: 1 });
  });

  it("a batch putting a taken id with other content fails with CHECKPOINT_EXISTS and stores nothing", async ({
    skip,
  }) => {
    const saver = batching(skip);
    const thread = threadId("taken");
    const taken = nextId();
    await saver.put(config(thread), checkpointOf({}, { n: 1 }, { id: taken, ts: "t" }), meta(-1));
    const fresh = nextId();
    const retake = (ts: string) => async () => {
      await saver.put(
        config(thread, "", taken),
        checkpointOf({ n: 1 }, { n: 2 }, { id: fresh }),
        meta(0),
      );
      await saver.put(config(thread), checkpointOf({}, { n: 9 }, { id: taken, ts }), meta(-1));
    };
    await expect(saver.batch(retake("other"))).rejects.toMatchObject({
      code: "CHECKPOINT_EXISTS",
    });
    const ids = (await collect(saver.list(config(thread)))).map(
      (t) => t.config.configurable.checkpoint_id,
    );
    expect(ids).toEqual([taken]);
    // The same content again is no conflict: a retried batch stores the rest.
    await saver.put(config(thread), checkpointOf({}, { n: 1 }, { id: taken, ts: "t" }), meta(-1));
    await saver.batch(async () => {
      await saver.put(
        config(thread, "", taken),
        checkpointOf({ n: 1 }, { n: 2 }, { id: fresh }),
        meta(0),
      );
    });
    expect((await saver.getTuple(config(thread)))?.checkpoint.channel_values).toEqual({ n: 2 });
    expect((await saver.verify(thread)).ok).toBe(true);
  });
}
