import { SqliteKeyStore } from "@conclave/sqlite";
import Database from "better-sqlite3";
import { keyStoreContract } from "../../../test/contracts/key-store.contract.ts";

keyStoreContract("SqliteKeyStore", async () => {
  const db = new Database(":memory:");
  return { keys: new SqliteKeyStore(db), cleanup: async () => void db.close() };
});
