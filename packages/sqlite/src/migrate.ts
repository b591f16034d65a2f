/**
 * Runs the numbered migrations in one IMMEDIATE transaction, so two processes opening the same
 * new file do not both apply them: the second waits (busy_timeout), then finds nothing to do.
 */
import { CheckpointFormatError } from "@conclave/core";
import type { Database } from "better-sqlite3";
import { MIGRATIONS } from "./sql/migrations/index.ts";
import { SQL } from "./sql/statements.ts";

/** The newest schema version this package knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Brings the database schema up to {@link SCHEMA_VERSION}. Idempotent.
 * @throws CheckpointFormatError when the database was migrated by a newer version.
 */
export function migrate(db: Database): void {
  db.transaction(() => {
    db.exec(SQL.migrationsTable);
    const { version } = db.prepare(SQL.appliedVersion).get() as { version: number };
    if (version > SCHEMA_VERSION) {
      throw new CheckpointFormatError(
        `The SQLite checkpoint schema is v${version} but this runtime knows up to ` +
          `v${SCHEMA_VERSION}; upgrade @conclave/sqlite.`,
      );
    }
    const record = db.prepare(SQL.recordMigration);
    for (const migration of MIGRATIONS) {
      if (migration.version <= version) continue;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, new Date().toISOString());
    }
  }).immediate();
}
