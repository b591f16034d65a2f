import { SqlitePlatformStore, SqliteRowStore } from "@conclave/sqlite";
import { vi } from "vitest";
import { platformFreshThreadContract } from "../../../test/contracts/platform-fresh.contract.ts";

platformFreshThreadContract("SqlitePlatformStore", async () => {
  const store = SqlitePlatformStore.fromConnString(":memory:");
  const spy = vi.spyOn(SqliteRowStore.prototype, "latestId");
  return {
    store,
    reads: { count: () => spy.mock.calls.length, reset: () => spy.mockClear() },
    close: async () => {
      spy.mockRestore();
      await store.close();
    },
  };
});
