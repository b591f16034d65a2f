import { MemorySettingsStore } from "@conclave/core";
import { settingsContract } from "../../../test/contracts/settings.contract.ts";

settingsContract("MemorySettingsStore", async () => ({
  settings: new MemorySettingsStore(),
  cleanup: async () => {},
}));
