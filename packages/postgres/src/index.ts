/** @conclave/postgres: the PostgreSQL checkpoint saver. */
export { migrate, quoteSchema, SCHEMA_VERSION } from "./migrate.ts";
export { PostgresRowStore } from "./postgres-row-store.ts";
export { PostgresSaver, type PostgresSaverOptions } from "./postgres-saver.ts";
export { MIGRATIONS, type Migration } from "./sql/migrations/index.ts";
