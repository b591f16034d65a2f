import { PostgresSettingsStore } from "@conclave/postgres";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { settingsContract } from "../../../test/contracts/settings.contract.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";

let db: TestDatabase | undefined;
let schemas = 0;
beforeAll(async () => {
  db = await createTestDatabase("settings");
});
afterAll(async () => {
  await db?.drop();
});

settingsContract("PostgresSettingsStore", async () => {
  const pool = new pg.Pool({ connectionString: db!.url });
  const settings = new PostgresSettingsStore(pool, { schema: `settings_${schemas++}` });
  await settings.setup();
  return { settings, cleanup: () => pool.end() };
});
