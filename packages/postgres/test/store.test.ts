/**
 * Runs the Store contract against PostgreSQL, in a database made for this file; each store
 * gets its own schema so tests never see each other's rows.
 */
import { PostgresStore } from "@conclave/postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeEmbeddings, runStoreContract } from "../../../test/contracts/store.contract.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";

let db: TestDatabase | undefined;
let schemas = 0;
beforeAll(async () => {
  db = await createTestDatabase("store");
});
afterAll(async () => {
  await db?.drop();
});

runStoreContract("PostgresStore", async (options) => {
  const store = PostgresStore.fromConnString(db!.url, { ...options, schema: `store_${++schemas}` });
  await store.setup();
  return { store, cleanup: () => store.end() };
});

runStoreContract("PostgresStore (cosine in JS)", async (options) => {
  const schema = `store_js_${++schemas}`;
  const store = PostgresStore.fromConnString(db!.url, { ...options, schema, vectors: "js" });
  await store.setup();
  return { store, cleanup: () => store.end() };
});

describe("PostgresStore specifics", () => {
  it("reports where hybrid search computes cosine similarity", async () => {
    const store = PostgresStore.fromConnString(db!.url, {
      schema: "store_probe",
      embeddings: fakeEmbeddings(),
    });
    try {
      await store.setup();
      const { rowCount } = await store.pool.query(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'",
      );
      // Embedded PostgreSQL ships without pgvector; a server with it must take the SQL path.
      expect(store.vectorBackend).toBe(rowCount ? "pgvector" : "js");
      console.info(`PostgresStore vector backend: ${store.vectorBackend}`);
    } finally {
      await store.end();
    }
  });
});
