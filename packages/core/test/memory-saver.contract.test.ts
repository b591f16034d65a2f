/** Runs the saver contract against the in-memory saver. */
import { MemorySaver } from "@conclave/core";
import { runCheckpointSaverContract } from "../../../test/contracts/checkpoint-saver.contract.ts";

runCheckpointSaverContract("MemorySaver", async (options) => ({
  saver: new MemorySaver(options),
  cleanup: async () => {},
}));
