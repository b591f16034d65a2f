/**
 * `conclave-verify` against real SQLite files and a real PostgreSQL database: in-process for
 * the logic, and once as a real child process for the executable and its exit code.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PostgresSaver } from "@conclave/postgres";
import { SqliteSaver } from "@conclave/sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";
import { seed } from "../../../test/support/tamper.ts";
import { runVerify } from "../src/verify-command.ts";

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runVerify(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), "conclave-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function sqliteWithTwoThreads(name: string) {
  const file = join(dir, name);
  const saver = SqliteSaver.fromConnString(file);
  const a = await seed(saver);
  const b = await seed(saver);
  return { file, saver, a, b };
}

describe("conclave-verify on SQLite", () => {
  it("exits 0 and prints one line per thread and a summary when all threads verify", async () => {
    const { file, saver, a, b } = await sqliteWithTwoThreads("ok.db");
    saver.close();
    const { code, out } = await run([file]);
    expect(code).toBe(0);
    expect(out).toEqual([
      `ok      ${a.thread}  (10 checkpoints)`,
      `ok      ${b.thread}  (10 checkpoints)`,
      "2 threads, 20 checkpoints checked: 2 ok, 0 broken",
    ]);
    expect((await run([file, b.thread])).out).toHaveLength(2);
  });

  it("exits 1 and names the broken checkpoint when a row was deleted", async () => {
    const { file, saver, a, b } = await sqliteWithTwoThreads("broken.db");
    saver.db.prepare("DELETE FROM conclave_checkpoints WHERE id = ?").run(b.ids[3]);
    saver.close();
    const { code, out } = await run([file]);
    expect(code).toBe(1);
    expect(out[0]).toBe(`ok      ${a.thread}  (10 checkpoints)`);
    expect(out[1]).toBe(
      `BROKEN  ${b.thread}  at checkpoint ${b.ids[4]}: parent ${b.ids[3]} is missing: a row was deleted`,
    );
    expect(out[2]).toMatch(/2 threads, \d+ checkpoints checked: 1 ok, 1 broken/);
  });

  it("exits 2 with a clear message on usage errors", async () => {
    expect(await run([])).toMatchObject({
      code: 2,
      err: [expect.stringMatching(/missing the store/), expect.any(String)],
    });
    const missing = await run([join(dir, "nope.db")]);
    expect(missing).toMatchObject({
      code: 2,
      err: [expect.stringMatching(/no such SQLite file/), expect.any(String)],
    });
    const plain = join(dir, "plain.db");
    execFileSync("sqlite3", [plain, "CREATE TABLE t (x);"]);
    expect((await run([plain])).err[0]).toMatch(/holds no Conclave checkpoints/);
    const text = join(dir, "text.db");
    writeFileSync(text, "this is not a database, just text that is long enough to be read");
    expect(await run([text])).toMatchObject({
      code: 2,
      err: [expect.stringMatching(/cannot read the store/)],
    });
    expect(await run(["x.db", "--bogus"])).toMatchObject({ code: 2 });
    expect(await run(["--help"])).toMatchObject({
      code: 0,
      out: [expect.stringMatching(/^Usage/)],
    });
  });

  it("runs as an executable and exits 1 for a broken thread", async () => {
    const { file, saver, b } = await sqliteWithTwoThreads("exe.db");
    saver.db
      .prepare("UPDATE conclave_checkpoints SET payload = payload || ' ' WHERE id = ?")
      .run(b.ids[6]);
    saver.close();
    const hooks = fileURLToPath(
      new URL("../../../test/support/resolve-source.ts", import.meta.url),
    );
    const bin = fileURLToPath(new URL("../src/bin/conclave-verify.ts", import.meta.url));
    const child = spawnSync(process.execPath, ["--import", hooks, bin, file], { encoding: "utf8" });
    expect(child.status).toBe(1);
    expect(child.stdout).toContain(`BROKEN  ${b.thread}  at checkpoint ${b.ids[6]}: hash mismatch`);
  });
});

describe("conclave-verify on PostgreSQL", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase("cli");
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("verifies every thread of a database, then finds an edited row", async () => {
    const saver = PostgresSaver.fromConnString(db.url);
    const a = await seed(saver);
    expect(await run([db.url])).toMatchObject({
      code: 0,
      out: [`ok      ${a.thread}  (10 checkpoints)`, expect.any(String)],
    });
    await saver.pool.query(
      "UPDATE conclave_checkpoints SET ts = 'x', payload = payload || ' ' WHERE id = $1",
      [a.ids[2]],
    );
    await saver.end();
    const { code, out } = await run([db.url, a.thread]);
    expect(code).toBe(1);
    expect(out[0]).toMatch(
      new RegExp(`^BROKEN  ${a.thread}  at checkpoint ${a.ids[2]}: hash mismatch`),
    );
    expect((await run([db.url, "--schema", "nothing_here"])).err[0]).toMatch(/holds no Conclave/);
  });
});
