/** Runs the ledger contract against SQLite, in memory and in a WAL file shared with a saver. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteLedger, SqliteSaver } from "@conclave/sqlite";
import { afterAll } from "vitest";
import { runLedgerContract } from "../../../test/contracts/ledger.contract.ts";

const dir = mkdtempSync(join(tmpdir(), "conclave-ledger-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

runLedgerContract("SqliteLedger (:memory:)", async () => {
  const ledger = SqliteLedger.fromConnString(":memory:");
  return { ledger, cleanup: async () => ledger.close() };
});

runLedgerContract("SqliteLedger (WAL file, the saver's connection)", async () => {
  const saver = SqliteSaver.fromConnString(join(dir, `ledger-${files++}.db`));
  const ledger = new SqliteLedger(saver.db);
  return { ledger, cleanup: async () => saver.close() };
});
