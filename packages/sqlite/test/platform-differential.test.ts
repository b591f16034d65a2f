/**
 * Differential test of the run queue: seeded random sequences of enqueue (every multitask
 * strategy, priorities, delays), claim (with limits), finish, release, cancel, retry,
 * heartbeat and sweep run against MemoryPlatformStore and SqlitePlatformStore; after every
 * step both must have answered the same and hold the same runs and threads. This guards the
 * SQLite-only machinery the contract suite cannot see into: the line heads behind the claim
 * index and `running_run_id`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CancelAction,
  MemoryPlatformStore,
  type MultitaskStrategy,
  type PlatformStore,
  type Run,
} from "@conclave/core";
import { SqlitePlatformStore } from "@conclave/sqlite";
import { afterAll, expect, it } from "vitest";
import { newRun } from "../../../test/contracts/platform-queue.contract.ts";

const dir = mkdtempSync(join(tmpdir(), "conclave-platform-diff-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STEPS = 400;
const THREADS = ["t0", "t1", "t2", "t3"];
const WORKERS = ["w1", "w2"];
const LEASE = 1000;
const STRATEGIES: MultitaskStrategy[] = [
  "enqueue",
  "enqueue",
  "enqueue",
  "reject",
  "interrupt",
  "rollback",
];

/** mulberry32: a small seeded generator, so a failure replays from its seed. */
function random(seed: number): (n: number) => number {
  let a = seed;
  return (n) => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/** What a call answered: its value, or the code of the error it threw. */
async function outcome<T>(call: () => Promise<T>): Promise<T | { error: string }> {
  try {
    return await call();
  } catch (error) {
    return { error: (error as { code?: string }).code ?? String(error) };
  }
}

type Step = (store: PlatformStore, now: Date) => Promise<unknown>;

/**
 * Picks the next step from the generator and the memory store's current runs. Every random
 * choice is made here, not inside the step, so both stores get the same step.
 */
function nextStep(pick: (n: number) => number, runs: Run[], count: number): Step {
  const running = runs.filter((r) => r.status === "running");
  const any = runs[pick(runs.length)];
  const held = running[pick(running.length)];
  const fenceOf = (run: Run) => ({ runId: run.runId, generation: run.generation - pick(2) });
  switch (pick(10)) {
    case 0:
    case 1:
    case 2: {
      const over = {
        threadId: THREADS[pick(THREADS.length)]!,
        multitaskStrategy: STRATEGIES[pick(STRATEGIES.length)]!,
        priority: pick(3),
        assistantId: `a${pick(2)}`,
        maxAttempts: 1 + pick(3),
      };
      const delay = pick(4) === 0 ? 1 + pick(300) : 0;
      return (store, now) =>
        store.runs.enqueue(
          newRun(`r${count}`, { ...over, runAt: new Date(now.getTime() + delay) }),
          now,
        );
    }
    case 3:
    case 4: {
      const request = { workerId: WORKERS[pick(2)]!, limit: 1 + pick(3) };
      const limits = pick(3) === 0 ? { maxPerAssistant: 1 + pick(2) } : {};
      return (store, now) => store.runs.claim({ ...request, ...limits, now });
    }
    case 5: {
      if (!held) return (store, now) => store.workers.sweep(now);
      const fence = fenceOf(held);
      const values = { by: held.runId };
      return (store, now) => store.runs.finish(fence, { status: "success", values }, now);
    }
    case 6: {
      if (!held) return (store, now) => store.workers.sweep(now);
      const fence = fenceOf(held);
      const backoff = pick(200);
      const error = { code: "E", message: "x" };
      return (store, now) =>
        store.runs.release(fence, error, new Date(now.getTime() + backoff), now);
    }
    case 7: {
      const action: CancelAction = pick(2) === 0 ? "interrupt" : "rollback";
      if (!any) return (store, now) => store.workers.sweep(now);
      return (store, now) => store.runs.cancel("acme", any.runId, action, now);
    }
    case 8:
      if (!any) return (store, now) => store.workers.sweep(now);
      return (store, now) => store.runs.retry("acme", any.runId, now);
    default: {
      const workerId = WORKERS[pick(2)]!;
      const fences = running.filter((r) => r.workerId === workerId).map(fenceOf);
      return pick(2) === 0
        ? (store, now) => store.workers.heartbeat(workerId, now, LEASE, fences)
        : (store, now) => store.workers.sweep(now);
    }
  }
}

async function snapshot(store: PlatformStore, now: Date) {
  const runs = await store.runs.list({ tenant: "acme", limit: 1000 });
  const threads = await Promise.all(THREADS.map((t) => store.threads.get("acme", t)));
  const queue = await store.runs.status(now);
  return { runs, threads, queue, workers: await store.workers.list(now) };
}

for (const seed of [1, 2, 3, 4, 5, 6]) {
  it(`memory and SQLite agree on a random queue history (seed ${seed})`, async () => {
    const memory = new MemoryPlatformStore();
    const sqlite = SqlitePlatformStore.fromConnString(join(dir, `diff-${seed}.db`));
    try {
      const pick = random(seed);
      let now = new Date("2026-11-22T10:00:00.000Z");
      for (const store of [memory, sqlite]) {
        for (const workerId of WORKERS)
          await store.workers.register(
            { workerId, graphIds: ["agent"], concurrency: 4 },
            now,
            LEASE,
          );
      }
      for (let step = 0; step < STEPS; step++) {
        now = new Date(now.getTime() + pick(120));
        const { runs } = await snapshot(memory, now);
        const run = nextStep(pick, runs, step);
        const expected = await outcome(() => run(memory, now));
        const actual = await outcome(() => run(sqlite, now));
        expect(actual, `step ${step}`).toEqual(expected);
        const state = await snapshot(memory, now);
        expect(await snapshot(sqlite, now), `state after step ${step}`).toEqual(state);
      }
    } finally {
      await memory.close();
      await sqlite.close();
    }
  });
}

it("memory and SQLite agree on metadata filters with awkward keys and values", async () => {
  const memory = new MemoryPlatformStore();
  const sqlite = SqlitePlatformStore.fromConnString(join(dir, "diff-metadata.db"));
  const T = new Date("2026-11-22T10:00:00.000Z");
  const metadatas = [
    { "a.b": 1, $x: "y", 'q"k': [1, { z: null }] },
    { "a.b": 1.5, "": "empty", n: null, nested: { b: 2, a: 1 } },
    { é: "ü\u0001", big: 1e21, neg: -0, t: true },
    {},
  ];
  const filters = [
    { "a.b": 1 },
    { "a.b": 1.5 },
    { $x: "y" },
    { 'q"k': [1, { z: null }] },
    { "": "empty" },
    { n: null },
    { missing: null },
    { nested: { b: 2, a: 1 } },
    { nested: { a: 1, b: 2 } },
    { é: "ü\u0001", big: 1e21 },
    { neg: 0, t: true },
    { t: 1 },
  ];
  try {
    for (const [i, metadata] of metadatas.entries()) {
      for (const store of [memory, sqlite]) {
        await store.threads.create({ tenant: "acme", threadId: `t${i}`, metadata }, T);
      }
    }
    for (const metadata of filters) {
      const query = { tenant: "acme", metadata };
      const expected = (await memory.threads.search(query)).map((t) => t.threadId).sort();
      const actual = (await sqlite.threads.search(query)).map((t) => t.threadId).sort();
      expect(actual, JSON.stringify(metadata)).toEqual(expected);
      expect(await sqlite.threads.count(query)).toBe(expected.length);
    }
  } finally {
    await memory.close();
    await sqlite.close();
  }
});
