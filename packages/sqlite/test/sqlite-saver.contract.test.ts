/** Runs the saver contract against SQLite: an in-memory database and a WAL file. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteSaver } from "@conclave/sqlite";
import { runCheckpointSaverContract } from "../../../test/contracts/checkpoint-saver.contract.ts";

runCheckpointSaverContract("SqliteSaver (:memory:)", async (options) => {
  const saver = SqliteSaver.fromConnString(":memory:", options);
  return { saver, cleanup: async () => saver.close() };
});

runCheckpointSaverContract("SqliteSaver (WAL file)", async (options) => {
  const dir = mkdtempSync(join(tmpdir(), "conclave-sqlite-"));
  const saver = SqliteSaver.fromConnString(join(dir, "checkpoints.db"), options);
  return {
    saver,
    cleanup: async () => {
      saver.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
