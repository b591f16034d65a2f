/**
 * The platform store on PostgreSQL: both contract suites, each test on a fresh schema of a
 * database made for this file; and the checkpoint saver contract against a fenced saver whose
 * claim stays current, which holds the fenced write statements to the saver's semantics.
 */
import type { ChainSaver } from "@conclave/core";
import { PostgresPlatformStore } from "@conclave/postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCheckpointSaverContract } from "../../../test/contracts/checkpoint-saver.contract.ts";
import { platformAssistantCheckContract } from "../../../test/contracts/platform-assistant-check.contract.ts";
import { platformBatchContract } from "../../../test/contracts/platform-batch.contract.ts";
import { platformFreshThreadContract } from "../../../test/contracts/platform-fresh.contract.ts";
import { newRun, platformQueueContract } from "../../../test/contracts/platform-queue.contract.ts";
import {
  type MakePlatform,
  platformResourcesContract,
} from "../../../test/contracts/platform-resources.contract.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";

let db: TestDatabase | undefined;
let schemas = 0;
beforeAll(async () => {
  db = await createTestDatabase("platform");
});
afterAll(async () => {
  await db?.drop();
});

const make: MakePlatform = async () => {
  const store = PostgresPlatformStore.fromConnString(db!.url, { schema: `platform_${++schemas}` });
  await store.setup();
  return { store, cleanup: () => store.close() };
};

platformResourcesContract("PostgresPlatformStore", make);
platformQueueContract("PostgresPlatformStore", make);
platformBatchContract("PostgresPlatformStore", make);
platformAssistantCheckContract("PostgresPlatformStore", make);

runCheckpointSaverContract("PostgresPlatformStore fenced saver", async (options) => {
  const store = PostgresPlatformStore.fromConnString(db!.url, {
    schema: `fenced_${++schemas}`,
    ...(options ? { saver: options } : {}),
  });
  const now = new Date();
  await store.workers.register(
    { workerId: "w", graphIds: ["agent"], concurrency: 1 },
    now,
    3_600_000,
  );
  await store.runs.enqueue(newRun("held"), now);
  const [run] = await store.runs.claim({ workerId: "w", limit: 1, now });
  const saver = store.fencedSaver({ runId: run!.runId, generation: run!.generation }) as ChainSaver;
  return { saver, cleanup: () => store.close() };
});

describe("PostgresPlatformStore statistics", () => {
  it("the sweeper ANALYZEs the queue tables once a burst changed them; claims keep their order", async () => {
    const store = PostgresPlatformStore.fromConnString(db!.url, { schema: `stats_${++schemas}` });
    await store.setup();
    try {
      const analyzed = async () => {
        const { rows } = await store.pool.query(
          `SELECT last_analyze FROM pg_stat_user_tables WHERE schemaname = $1
             AND relname = 'conclave_runs'`,
          [store.schema],
        );
        return rows[0]?.last_analyze != null;
      };
      const T = new Date("2026-11-22T10:00:00.000Z");
      await store.workers.sweep(T);
      expect(await analyzed()).toBe(false);
      const burst = Array.from({ length: 1500 }, (_, i) => newRun(`burst-${i}`));
      await store.runs.enqueueMany(burst, T);
      // The statistics system counts the changes a moment after the commit.
      await expect
        .poll(
          async () => {
            await store.workers.sweep(T);
            return analyzed();
          },
          { timeout: 10_000, interval: 200 },
        )
        .toBe(true);
      await store.workers.register(
        { workerId: "w", graphIds: ["agent"], concurrency: 5 },
        T,
        30_000,
      );
      const claimed = await store.runs.claim({ workerId: "w", limit: 5, now: T });
      expect(claimed.map((run) => run.runId)).toEqual(burst.slice(0, 5).map((run) => run.runId));
    } finally {
      await store.close();
    }
  });
});

platformFreshThreadContract("PostgresPlatformStore", async () => {
  const store = PostgresPlatformStore.fromConnString(db!.url, { schema: `fresh_${++schemas}` });
  await store.setup();
  let reads = 0;
  const query = store.pool.query.bind(store.pool) as (...args: unknown[]) => unknown;
  store.pool.query = ((config: unknown, ...rest: unknown[]) => {
    const text = (config as { text?: string }).text ?? "";
    if (text.startsWith("SELECT id FROM") && text.includes("ORDER BY id DESC LIMIT 1")) reads++;
    return query(config, ...rest);
  }) as typeof store.pool.query;
  const counter = {
    count: () => reads,
    reset: () => {
      reads = 0;
    },
  };
  return { store, reads: counter, close: () => store.close() };
});
