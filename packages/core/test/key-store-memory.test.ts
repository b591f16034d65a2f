import { MemoryKeyStore } from "@conclave/core";
import { keyStoreContract } from "../../../test/contracts/key-store.contract.ts";

keyStoreContract("MemoryKeyStore", async () => ({
  keys: new MemoryKeyStore(),
  cleanup: async () => {},
}));
