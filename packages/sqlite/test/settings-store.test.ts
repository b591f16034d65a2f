import { SqliteSettingsStore } from "@conclave/sqlite";
import Database from "better-sqlite3";
import { settingsContract } from "../../../test/contracts/settings.contract.ts";

settingsContract("SqliteSettingsStore", async () => {
  const db = new Database(":memory:");
  return { settings: new SqliteSettingsStore(db), cleanup: async () => void db.close() };
});
