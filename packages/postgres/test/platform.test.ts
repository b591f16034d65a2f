/**
 * The platform store on PostgreSQL: both contract suites, each test on a fresh schema of a
 * database made for this file; and the checkpoint saver contract against a fenced saver whose
 * claim stays current, which holds the fenced write statements to the saver's semantics.
 */
import type { ChainSaver } from "@conclave/core";
import { PostgresPlatformStore } from "@conclave/postgres";
import { afterAll, beforeAll } from "vitest";
import { runCheckpointSaverContract } from "../../../test/contracts/checkpoint-saver.contract.ts";
import { platformBatchContract } from "../../../test/contracts/platform-batch.contract.ts";
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
