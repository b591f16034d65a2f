/** Runs the Store contract against SQLite (in memory and a WAL file), plus SQLite specifics. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteSaver, SqliteStore } from "@conclave/sqlite";
import { describe, expect, it } from "vitest";
import { runStoreContract } from "../../../test/contracts/store.contract.ts";

runStoreContract("SqliteStore (:memory:)", async (options) => {
  const store = SqliteStore.fromConnString(":memory:", options);
  return { store, cleanup: async () => store.close() };
});

runStoreContract("SqliteStore (WAL file)", async (options) => {
  const dir = mkdtempSync(join(tmpdir(), "conclave-store-"));
  const store = SqliteStore.fromConnString(join(dir, "store.db"), options);
  return {
    store,
    cleanup: async () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe("SqliteStore specifics", () => {
  it("shares the checkpoint saver's connection and keeps the FTS index in step", async () => {
    const saver = SqliteSaver.fromConnString(":memory:");
    const store = new SqliteStore(saver.db);
    await store.put(["n"], "k", { text: "alpha" });
    await store.put(["n"], "k", { text: "beta" });
    expect(await store.search(["n"], { query: "alpha" })).toEqual([]);
    expect((await store.search(["n"], { query: "beta" })).map((i) => i.key)).toEqual(["k"]);
    await store.put(["n"], "k", { text: "gamma" }, { index: false });
    expect(await store.search(["n"], { query: "beta" })).toEqual([]);
    await store.delete(["n"], "k");
    const { n } = saver.db
      .prepare(
        "SELECT count(*) AS n FROM conclave_store_fts WHERE conclave_store_fts MATCH 'beta OR gamma'",
      )
      .get() as { n: number };
    expect(n).toBe(0);
    store.close();
    expect(saver.db.open).toBe(true);
    saver.close();
  });

  it("treats FTS5 syntax in a query as plain words", async () => {
    const store = SqliteStore.fromConnString(":memory:");
    await store.put(["q"], "k", { text: "near the OR gate" });
    const hits = await store.search(["q"], { query: 'NEAR("gate" OR) * -x:' });
    expect(hits.map((i) => i.key)).toEqual(["k"]);
    store.close();
  });
});
