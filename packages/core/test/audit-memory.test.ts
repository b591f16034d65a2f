/** Runs the audit log contract against the in-memory implementation. */
import { MemoryAuditLog } from "@conclave/core";
import { runAuditContract } from "../../../test/contracts/audit.contract.ts";

runAuditContract("MemoryAuditLog", async (options) => ({
  log: new MemoryAuditLog(options),
  cleanup: async () => {},
}));
