/**
 * Tampering with a SQLite checkpoint file through the real `sqlite3` CLI: `verify` must name
 * the exact broken checkpoint each time.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteSaver } from "@conclave/sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireCli, seed, TAMPER_CASES } from "../../../test/support/tamper.ts";

describe("verify detects tampering done with the sqlite3 CLI", () => {
  const dir = mkdtempSync(join(tmpdir(), "conclave-tamper-"));
  const file = join(dir, "checkpoints.db");
  let saver: SqliteSaver;

  beforeAll(() => {
    requireCli("sqlite3", "sqlite3");
    saver = SqliteSaver.fromConnString(file, { snapshotPolicy: { minBytes: 300, maxDeltas: 4 } });
  });
  afterAll(() => {
    saver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const tamper of TAMPER_CASES) {
    it(tamper.name, async () => {
      const seeded = await seed(saver);
      expect(await saver.verify(seeded.thread)).toEqual({ ok: true, checked: 10 });
      const seq = saver.db.prepare(
        "SELECT seq FROM conclave_checkpoints WHERE thread_id = ? AND id = ?",
      );
      const seqOf = (i: number) => (seq.get(seeded.thread, seeded.ids[i]) as { seq: number }).seq;
      execFileSync("sqlite3", ["-bail", file, tamper.sql(seeded, seqOf)], { stdio: "pipe" });
      const result = await saver.verify(seeded.thread);
      expect(result).toMatchObject({ ok: false, checkpointId: seeded.ids[tamper.broken] });
      expect(result.ok === false && result.reason).toMatch(tamper.reason);
    });
  }
});
