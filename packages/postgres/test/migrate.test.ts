/**
 * PostgreSQL setup: idempotent, safe when many savers run it at once, per schema, and refuses
 * a schema migrated by a newer version.
 */
import { CheckpointFormatError, InvalidArgumentError } from "@conclave/core";
import { MIGRATIONS, PostgresSaver, SCHEMA_VERSION } from "@conclave/postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("migrate");
});
afterAll(async () => {
  await db?.drop();
});

describe("PostgreSQL setup", () => {
  it("is idempotent and concurrent-safe: eight savers set up one new schema at once", async () => {
    const savers = Array.from({ length: 8 }, () =>
      PostgresSaver.fromConnString(db.url, { schema: "many" }),
    );
    try {
      expect(await savers[0]!.isSetUp()).toBe(false);
      await Promise.all(savers.map((s) => s.setup()));
      await savers[0]!.setup();
      const { rows } = await savers[0]!.pool.query(
        "SELECT version FROM many.conclave_migrations ORDER BY version",
      );
      expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
      expect(await savers[1]!.isSetUp()).toBe(true);
    } finally {
      await Promise.all(savers.map((s) => s.end()));
    }
  });

  it("refuses a schema migrated by a newer version, saying what to upgrade", async () => {
    const saver = PostgresSaver.fromConnString(db.url, { schema: "future" });
    try {
      await saver.pool.query(`CREATE SCHEMA future; CREATE TABLE future.conclave_migrations
        (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
        INSERT INTO future.conclave_migrations (version, name) VALUES (99, 'future');`);
      const setup = saver.setup();
      await expect(setup).rejects.toBeInstanceOf(CheckpointFormatError);
      await expect(setup).rejects.toThrow(
        `is v99 but this runtime knows up to v${SCHEMA_VERSION}; upgrade @conclave/postgres`,
      );
    } finally {
      await saver.end();
    }
  });

  it("rejects a schema name that is not a plain identifier", () => {
    expect(() => PostgresSaver.fromConnString(db.url, { schema: 'x"; DROP' })).toThrow(
      InvalidArgumentError,
    );
  });
});
