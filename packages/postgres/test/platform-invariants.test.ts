/**
 * A concurrent mix of every queue operation on a few threads, through two pools, then a check
 * that the thread rows still agree with their runs: the PostgreSQL store keeps a count of
 * active runs and the running run on each thread row (so single statements can read them at
 * their newest version), and no interleaving may make them drift. Operations pick their
 * arguments from a seeded generator, so a failure replays.
 */
import type { MultitaskStrategy } from "@conclave/core";
import { PostgresPlatformStore } from "@conclave/postgres";
import { afterAll, beforeAll, expect, it } from "vitest";
import { newRun } from "../../../test/contracts/platform-queue.contract.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";

let db: TestDatabase | undefined;
beforeAll(async () => {
  db = await createTestDatabase("platform_invariants");
});
afterAll(async () => {
  await db?.drop();
});

/** Errors an operation may meet because another one got there first. */
const EXPECTED = new Set([
  "THREAD_BUSY",
  "LEASE_LOST",
  "RUN_FINISHED",
  "RUN_NOT_FOUND",
  "RUN_NOT_RETRYABLE",
  "RUN_ACTIVE",
]);
const STRATEGIES: MultitaskStrategy[] = ["enqueue", "interrupt", "rollback", "reject"];
const THREADS = 4;
const ROUNDS = 60;

/** A small seeded generator (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function tolerate(operation: Promise<unknown>): Promise<void> {
  try {
    await operation;
  } catch (error) {
    if (!EXPECTED.has((error as { code?: string }).code ?? "")) throw error;
  }
}

/** One actor's rounds: `step` gets the round and the generator. */
async function actor(seed: number, step: (round: number, pick: () => number) => Promise<void>) {
  const pick = random(seed);
  for (let round = 0; round < ROUNDS; round++) await step(round, pick);
}

function worker(store: PostgresPlatformStore, workerId: string, seed: number) {
  return actor(seed, async (_round, pick) => {
    const runs = await store.runs.claim({ workerId, limit: 2, now: new Date() });
    for (const run of runs) {
      const fence = { runId: run.runId, generation: run.generation };
      const end =
        pick() < 0.7
          ? store.runs.finish(fence, { status: pick() < 0.5 ? "success" : "error" }, new Date())
          : store.runs.release(fence, { code: "X", message: "again" }, new Date(), new Date());
      await tolerate(end);
    }
  });
}

it("keeps thread counters and holders equal to the runs under any interleaving", async () => {
  const schema = "mix";
  const a = PostgresPlatformStore.fromConnString(db!.url, { schema });
  const b = PostgresPlatformStore.fromConnString(db!.url, { schema });
  try {
    await a.setup();
    const now = new Date();
    await a.workers.register({ workerId: "wa", graphIds: ["agent"], concurrency: 2 }, now, 60_000);
    await b.workers.register({ workerId: "wb", graphIds: ["agent"], concurrency: 2 }, now, 60_000);
    // A worker whose lease lapses at once: the sweepers recover whatever it claims.
    await b.workers.register({ workerId: "wz", graphIds: ["agent"], concurrency: 2 }, now, 1);
    let runs = 0;
    const thread = (pick: () => number) => `t${Math.floor(pick() * THREADS)}`;
    const someRun = (pick: () => number) => `r${Math.floor(pick() * Math.max(runs, 1))}`;
    await Promise.all([
      actor(1, (_round, pick) => {
        const strategy = STRATEGIES[Math.floor(pick() * STRATEGIES.length)]!;
        const run = newRun(`r${runs++}`, { threadId: thread(pick), multitaskStrategy: strategy });
        return tolerate(a.runs.enqueue(run, new Date()));
      }),
      worker(a, "wa", 2),
      worker(b, "wb", 3),
      actor(4, async (_round, pick) => {
        await tolerate(
          b.runs.cancel("acme", someRun(pick), pick() < 0.5 ? "interrupt" : "rollback", new Date()),
        );
        await tolerate(a.runs.retry("acme", someRun(pick), new Date()));
        await tolerate(b.runs.delete("acme", someRun(pick)));
      }),
      actor(5, async () => {
        await b.runs.claim({ workerId: "wz", limit: 1, now: new Date() });
        await a.workers.sweep(new Date());
      }),
    ]);
    const { rows } = await a.pool.query(`SELECT t.thread_id, t.status, t.active_runs,
        t.running_run_id,
        (SELECT count(*)::int FROM mix.conclave_runs r WHERE r.tenant = t.tenant
          AND r.thread_id = t.thread_id AND r.status IN ('pending', 'running')) AS active,
        (SELECT array_agg(r.run_id) FROM mix.conclave_runs r WHERE r.tenant = t.tenant
          AND r.thread_id = t.thread_id AND r.status = 'running') AS running
      FROM mix.conclave_threads t ORDER BY t.thread_id`);
    expect(rows.length).toBe(THREADS);
    for (const row of rows) {
      expect(row.active_runs, row.thread_id).toBe(row.active);
      expect(row.running_run_id === null ? null : [row.running_run_id], row.thread_id).toEqual(
        row.running,
      );
      expect(row.status === "busy", row.thread_id).toBe(row.active > 0);
    }
  } finally {
    await a.close();
    await b.close();
  }
});
