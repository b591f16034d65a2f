import { InMemoryStore } from "@conclave/core";
import { SqliteStore } from "@conclave/sqlite";
import { describe, expect, it } from "vitest";
import { tenantLabel, tenantStore } from "../src/tenant-store.ts";

for (const [name, make] of [
  ["memory", () => new InMemoryStore()],
  ["SQLite", () => SqliteStore.fromConnString(":memory:")],
] as const) {
  describe(`tenantStore over the ${name} store`, () => {
    it("keeps each tenant's items under its own label, and shows none of another's", async () => {
      const shared = make();
      const acme = tenantStore(shared, "acme");
      const globex = tenantStore(shared, "globex");
      await acme.put(["users", "u1"], "a", { v: 1 });
      await acme.put(["users", "u2", "deep"], "b", { v: 2 });
      await globex.put(["users", "u1"], "a", { v: 9 });

      expect((await acme.get(["users", "u1"], "a"))?.value).toEqual({ v: 1 });
      expect((await acme.get(["users", "u1"], "a"))?.namespace).toEqual(["users", "u1"]);
      expect((await globex.get(["users", "u1"], "a"))?.value).toEqual({ v: 9 });
      expect((await acme.search(["users"])).map((i) => i.key).sort()).toEqual(["a", "b"]);
      expect((await acme.search([])).every((i) => i.namespace[0] === "users")).toBe(true);
      expect((await acme.listNamespaces({ maxDepth: 2 })).sort()).toEqual([
        ["users", "u1"],
        ["users", "u2"],
      ]);
      expect((await shared.get([tenantLabel("acme"), "users", "u1"], "a"))?.value).toEqual({
        v: 1,
      });

      await globex.delete(["users", "u1"], "a");
      expect(await acme.get(["users", "u1"], "a")).not.toBeNull();
    });

    it("scopes every batch operation, and refuses an empty item namespace as the store does", async () => {
      const acme = tenantStore(make(), "acme");
      const [put, got, found, listed] = await acme.batch([
        { namespace: ["docs"], key: "k", value: { text: "hello" } },
        { namespace: ["docs"], key: "k" },
        { namespacePrefix: ["docs"] },
        { maxDepth: 1 },
      ]);
      expect(put).toBeUndefined();
      expect(got).toMatchObject({ namespace: ["docs"], key: "k" });
      expect(found).toMatchObject([{ namespace: ["docs"], key: "k" }]);
      expect(listed).toEqual([["docs"]]);
      await expect(acme.put([], "k", { a: 1 })).rejects.toThrow(/non-empty array/);
      await expect(acme.get([], "k")).rejects.toThrow(/non-empty array/);
    });
  });
}
