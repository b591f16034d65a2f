/** @conclave/postgres: the PostgreSQL checkpoint saver. */

export { PostgresAuditLog, type PostgresAuditLogOptions } from "./audit-log.ts";
export { PostgresBudgetStore, type PostgresMeteringOptions } from "./budget-store.ts";
export { PostgresKeyStore } from "./key-store.ts";
export { PostgresLedger } from "./ledger.ts";
export { migrate, quoteSchema, SCHEMA_VERSION } from "./migrate.ts";
export {
  PostgresPlatformStore,
  type PostgresPlatformStoreOptions,
  wakeChannel,
} from "./platform/platform-store.ts";
export { CONNECT_TIMEOUT_MS, QUERY_TIMEOUT_MS } from "./pool.ts";
export { PostgresRowStore, type WriteGuard } from "./postgres-row-store.ts";
export {
  PostgresChainSaver,
  PostgresSaver,
  type PostgresSaverOptions,
} from "./postgres-saver.ts";
export { PostgresStore, type PostgresStoreOptions, type VectorBackend } from "./postgres-store.ts";
export { PostgresSettingsStore } from "./settings-store.ts";
export { MIGRATIONS, type Migration } from "./sql/migrations/index.ts";
