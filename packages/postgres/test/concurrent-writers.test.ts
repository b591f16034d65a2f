/**
 * Two processes append to different threads of one PostgreSQL database at once (both also race
 * to run the migrations); afterwards every checkpoint verifies and reads back exactly.
 */
import { PostgresSaver } from "@conclave/postgres";
import { afterAll, beforeAll, expect, it } from "vitest";
import { expectExactThreads, runTwoWriters, switches } from "../../../test/support/concurrent.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("concurrent");
});
afterAll(async () => {
  await db?.drop();
});

it("two writer processes on one PostgreSQL database: all rows verify and read exactly", async () => {
  // A schema nobody created yet, so the two workers also race to create and migrate it.
  const schema = "race";
  const threads = await runTwoWriters("postgres", db.url, schema);
  const saver = PostgresSaver.fromConnString(db.url, { schema });
  try {
    await expectExactThreads(saver, threads);
    const { rows } = await saver.pool.query<{ t: string }>(
      "SELECT thread_id AS t FROM race.conclave_checkpoints ORDER BY seq",
    );
    expect(switches(rows.map((r) => r.t))).toBeGreaterThanOrEqual(2);
    expect(await saver.listThreads()).toEqual([...threads].sort());
  } finally {
    await saver.end();
  }
});
