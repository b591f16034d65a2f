/**
 * Two processes append to different threads of one SQLite file at once (both also race to run
 * the migrations); afterwards every checkpoint verifies and reads back exactly.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteSaver } from "@conclave/sqlite";
import { afterAll, expect, it } from "vitest";
import { expectExactThreads, runTwoWriters, switches } from "../../../test/support/concurrent.ts";

const dir = mkdtempSync(join(tmpdir(), "conclave-concurrent-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("two writer processes on one SQLite file: all rows verify and read exactly", async () => {
  const file = join(dir, "shared.db");
  const threads = await runTwoWriters("sqlite", file);
  const saver = SqliteSaver.fromConnString(file);
  try {
    await expectExactThreads(saver, threads);
    const order = saver.db
      .prepare("SELECT thread_id AS t FROM conclave_checkpoints ORDER BY seq")
      .all() as Array<{ t: string }>;
    expect(switches(order.map((r) => r.t))).toBeGreaterThanOrEqual(2);
    expect(await saver.listThreads()).toEqual([...threads].sort());
  } finally {
    saver.close();
  }
});
