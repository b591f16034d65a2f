/** @conclave/postgres: the PostgreSQL checkpoint saver. */

export { PostgresBudgetStore, type PostgresMeteringOptions } from "./budget-store.ts";
export { PostgresLedger } from "./ledger.ts";
export { migrate, quoteSchema, SCHEMA_VERSION } from "./migrate.ts";
export { PostgresRowStore } from "./postgres-row-store.ts";
export { PostgresSaver, type PostgresSaverOptions } from "./postgres-saver.ts";
export { PostgresStore, type PostgresStoreOptions, type VectorBackend } from "./postgres-store.ts";
export { MIGRATIONS, type Migration } from "./sql/migrations/index.ts";
