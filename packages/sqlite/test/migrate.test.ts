/** SQLite migrations: run once on first use, idempotent, and refuse a newer schema. */
import { CheckpointFormatError } from "@conclave/core";
import { SCHEMA_VERSION, SqliteSaver } from "@conclave/sqlite";
import { describe, expect, it } from "vitest";

describe("SQLite migrations", () => {
  it("run on first use, once, in WAL mode unless in memory", async () => {
    const saver = SqliteSaver.fromConnString(":memory:");
    expect(await saver.isSetUp()).toBe(false);
    expect(await saver.listThreads()).toEqual([]);
    expect(await saver.isSetUp()).toBe(true);
    await saver.setup();
    const versions = saver.db.prepare("SELECT version FROM conclave_migrations ORDER BY 1").all();
    expect(versions).toEqual(
      Array.from({ length: SCHEMA_VERSION }, (_, i) => ({ version: i + 1 })),
    );
    expect(saver.capabilities).toEqual({ durable: false, multiProcess: false });
    expect(saver.db.pragma("synchronous", { simple: true })).toBe(1); // NORMAL
    saver.close();
  });

  it("refuse a database migrated by a newer version, saying what to upgrade", async () => {
    const saver = SqliteSaver.fromConnString(":memory:", { synchronous: "full" });
    expect(saver.db.pragma("synchronous", { simple: true })).toBe(2); // FULL
    saver.db.exec(`CREATE TABLE conclave_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
      applied_at TEXT NOT NULL); INSERT INTO conclave_migrations VALUES (99, 'future', 'x');`);
    const read = saver.getTuple({ configurable: { thread_id: "t" } });
    await expect(read).rejects.toBeInstanceOf(CheckpointFormatError);
    await expect(read).rejects.toThrow(
      `schema is v99 but this runtime knows up to v${SCHEMA_VERSION}; upgrade @conclave/sqlite`,
    );
    saver.close();
  });

  it("reject bad options with the value seen", () => {
    expect(() => SqliteSaver.fromConnString(":memory:", { synchronous: "off" as "full" })).toThrow(
      /synchronous must be "normal" or "full", got "off"/,
    );
  });
});
