/** @conclave/sqlite: the SQLite checkpoint saver. */

export { SqliteAuditLog } from "./audit-log.ts";
export {
  openMeteringDatabase,
  SqliteBudgetStore,
  type SqliteMeteringOptions,
} from "./budget-store.ts";
export { SqliteKeyStore } from "./key-store.ts";
export { SqliteLedger } from "./ledger.ts";
export { migrate, SCHEMA_VERSION } from "./migrate.ts";
export { FencedSqliteSaver } from "./platform/fenced-saver.ts";
export { type SqlitePlatformOptions, SqlitePlatformStore } from "./platform/platform-store.ts";
export { SqliteSettingsStore } from "./settings-store.ts";
export { SqliteRowStore } from "./sqlite-row-store.ts";
export { SqliteSaver, type SqliteSaverOptions } from "./sqlite-saver.ts";
export { SqliteStore, type SqliteStoreOptions } from "./sqlite-store.ts";
