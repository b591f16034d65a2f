/** Runs the saver contract against PostgreSQL, in a database made for this file. */
import { PostgresSaver } from "@conclave/postgres";
import { afterAll, beforeAll } from "vitest";
import { runCheckpointSaverContract } from "../../../test/contracts/checkpoint-saver.contract.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";

let db: TestDatabase | undefined;
beforeAll(async () => {
  db = await createTestDatabase("contract");
});
afterAll(async () => {
  await db?.drop();
});

runCheckpointSaverContract("PostgresSaver", async (options) => {
  const saver = PostgresSaver.fromConnString(db!.url, options);
  await saver.setup();
  return { saver, cleanup: () => saver.end() };
});
