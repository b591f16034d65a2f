/** Runs the Store contract against the in-memory store. */
import { InMemoryStore } from "@conclave/core";
import { runStoreContract } from "../../../test/contracts/store.contract.ts";

runStoreContract("InMemoryStore", async (options) => ({
  store: new InMemoryStore(options),
  cleanup: async () => {},
}));
