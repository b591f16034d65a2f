/** Runs the ledger and budget-store contracts against the in-memory implementations. */
import { MemoryBudgetStore, MemoryLedger } from "@conclave/core";
import { runBudgetStoreContract } from "../../../test/contracts/budget-store.contract.ts";
import { runLedgerContract } from "../../../test/contracts/ledger.contract.ts";

runLedgerContract("MemoryLedger", async () => ({
  ledger: new MemoryLedger(),
  cleanup: async () => {},
}));
runBudgetStoreContract("MemoryBudgetStore", async () => ({
  store: new MemoryBudgetStore(),
  cleanup: async () => {},
}));
