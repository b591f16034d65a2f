import { PostgresKeyStore } from "@conclave/postgres";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { keyStoreContract } from "../../../test/contracts/key-store.contract.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";

let db: TestDatabase | undefined;
let schemas = 0;
beforeAll(async () => {
  db = await createTestDatabase("keys");
});
afterAll(async () => {
  await db?.drop();
});

keyStoreContract("PostgresKeyStore", async () => {
  const pool = new pg.Pool({ connectionString: db!.url });
  const keys = new PostgresKeyStore(pool, { schema: `keys_${schemas++}` });
  await keys.setup();
  return { keys, cleanup: () => pool.end() };
});
