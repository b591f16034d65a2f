/**
 * `conclave backup` and `restore`. On SQLite: an online backup taken while a worker holds the
 * file, a restore refused while the database is in use, a round trip that brings back exactly
 * the backed-up runs (the replaced file kept aside), and bad backups refused before anything is
 * touched. On PostgreSQL: missing client tools and sessions in use are reported clearly, and
 * pg_dump / pg_restore round-trip when the installed client can dump the server.
 */
import { execFileSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PostgresPlatformStore } from "@conclave/postgres";
import { openPlatform, Runtime } from "@conclave/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";
import { requireCli } from "../../../test/support/tamper.ts";
import { json, runCli, type StepsModule, scratchDir, writeStepsProject } from "./cli-harness.ts";

const dir = scratchDir("conclave-cli-backup");
let mod: StepsModule;

beforeAll(async () => {
  mod = await writeStepsProject(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function startRuntime(url: string) {
  const platform = await openPlatform(url);
  const runtime = await Runtime.create({
    store: platform.store,
    graphs: { steps: mod.steps },
    audit: { log: platform.audit, durability: "sync" },
  });
  await runtime.startWorker();
  const runOnce = async (thread: string) => {
    const run = await runtime.submit({ assistant: "steps", thread, input: {} });
    return runtime.join("default", run.runId);
  };
  const stop = async () => {
    await runtime.close(0);
    await platform.close();
  };
  return { platform, runOnce, stop };
}

type Summary = { counts: { runs: number; auditEvents: number }; previous?: string | null };

describe("conclave backup and restore on SQLite", () => {
  const db = join(dir, "live.db");
  const file = join(dir, "live.backup");
  const cli = (...args: string[]) =>
    runCli(args, { cwd: dir, env: { CONCLAVE_DATABASE_URL: db }, progress: true });
  let live: Awaited<ReturnType<typeof startRuntime>>;

  beforeAll(async () => {
    requireCli("sqlite3", "sqlite3");
    live = await startRuntime(db);
    await live.runOnce("before-backup");
  });
  afterAll(() => live?.stop());

  it("backs up while a worker holds the database, with progress, and keeps existing files", async () => {
    const backup = await cli("backup", file, "-o", "json");
    expect(backup.code).toBe(0);
    expect(json<Summary>(backup).counts).toMatchObject({ runs: 1, auditEvents: 3 });
    expect(backup.progress[0]).toMatch(/^backup: \d+\/\d+ pages$/);
    expect(backup.progress.at(-1)).toBe("");
    expect(existsSync(`${file}.partial`)).toBe(false);
    const again = await cli("backup", file);
    expect(again.code).toBe(1);
    expect(again.err).toContain("already exists; choose another name, or pass --force");
    expect((await cli("backup", file, "--force")).code).toBe(0);
    await live.runOnce("after-backup");
  });

  it("stops cleanly when interrupted, leaving no file behind (exit 130)", async () => {
    const target = join(dir, "interrupted.backup");
    const stopped = await runCli(["backup", target], {
      cwd: dir,
      env: { CONCLAVE_DATABASE_URL: db },
      stopped: Promise.resolve("SIGINT"),
    });
    expect(stopped.code).toBe(130);
    expect(stopped.err).toContain("SIGINT: stopped before finishing");
    expect(existsSync(target)).toBe(false);
    expect(existsSync(`${target}.partial`)).toBe(false);
  });

  it("refuses to restore over a database in use, naming who uses it", async () => {
    const refused = await cli("restore", file);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(
      /is in use \(worker\(s\) worker-[\w-]+ \(pid \d+ on .+\) hold a lease on it\)/,
    );
    expect(refused.err).toContain("or pass --force");
    await live.stop();
    const reader = await openPlatform(db);
    const busy = await cli("restore", file);
    await reader.close();
    expect(busy.code).toBe(1);
    expect(busy.err).toContain("another");
  });

  it("refuses files that are not Conclave backups without touching the database", async () => {
    const text = join(dir, "notes.txt");
    writeFileSync(text, "not a database");
    const notSqlite = await cli("restore", text);
    expect(notSqlite.code).toBe(2);
    expect(notSqlite.err).toContain("is not a SQLite database");
    const foreign = join(dir, "foreign.db");
    execFileSync("sqlite3", [foreign, "CREATE TABLE notes (body TEXT)"]);
    const noSchema = await cli("restore", foreign);
    expect(noSchema.code).toBe(2);
    expect(noSchema.err).toContain("without a Conclave schema");
    expect((await cli("restore", join(dir, "missing.db"))).code).toBe(3);
    expect(
      (
        await runCli(["backup", join(dir, "nope.backup")], {
          cwd: dir,
          env: { CONCLAVE_DATABASE_URL: join(dir, "nope.db") },
        })
      ).code,
    ).toBe(3);
    expect(json<unknown[]>(await cli("runs", "ls", "-o", "json"))).toHaveLength(2);
  });

  it("restores exactly the backed-up data, keeping the replaced file, and the result verifies", async () => {
    const restored = await cli("restore", file, "-o", "json");
    expect(restored.code).toBe(0);
    const summary = json<Summary>(restored);
    expect(summary.counts.runs).toBe(1);
    expect(summary.previous).toBe(`${db}.pre-restore`);
    const runs = json<{ threadId: string }[]>(await cli("runs", "ls", "-o", "json"));
    expect(runs.map((r) => r.threadId)).toEqual(["before-backup"]);
    expect((await cli("audit", "verify")).code).toBe(0);
    const kept = await runCli(["runs", "ls", "-o", "json"], {
      cwd: dir,
      env: { CONCLAVE_DATABASE_URL: `${db}.pre-restore` },
    });
    expect(json<unknown[]>(kept)).toHaveLength(2);
  });
});

function majorOf(text: string): number {
  return Number(/(\d+)(?:\.\d+)?/.exec(text)?.[1] ?? 0);
}

describe("conclave backup and restore on PostgreSQL", () => {
  let database: TestDatabase;
  let live: Awaited<ReturnType<typeof startRuntime>> | undefined;
  const cli = (args: string[], env: Record<string, string | undefined> = process.env) =>
    runCli(args, { cwd: dir, env: { ...env, CONCLAVE_DATABASE_URL: database.url } });

  beforeAll(async () => {
    database = await createTestDatabase("cli_backup");
    live = await startRuntime(database.url);
    await live.runOnce("pg-before");
  });
  afterAll(async () => {
    await live?.stop();
    await database?.drop();
  });

  it("says how to get pg_dump and pg_restore when they are missing", async () => {
    const env = { PATH: join(dir, "empty-bin") };
    const dump = await cli(["backup", join(dir, "pg.dump")], env);
    expect(dump.code).toBe(1);
    expect(dump.err).toContain("pg_dump was not found");
    expect(dump.err).toContain("apt-get install postgresql-client");
    writeFileSync(join(dir, "fake.dump"), "x");
    const restore = await cli(["restore", join(dir, "fake.dump"), "--force"], {
      ...env,
      CONCLAVE_PG_BIN: join(dir, "none"),
    });
    expect(restore.err).toContain(
      `pg_restore was not found (looked for ${join(dir, "none", "pg_restore")})`,
    );
  });

  it("refuses to restore while other sessions use the database", async () => {
    writeFileSync(join(dir, "fake.dump"), "x");
    const refused = await cli(["restore", join(dir, "fake.dump")]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/the database is in use \(\d+ other session\(s\)/);
  });

  it("round-trips through pg_dump and pg_restore, or explains a client older than the server", async () => {
    const client = majorOf(execFileSync("pg_dump", ["--version"], { encoding: "utf8" }));
    const store = live!.platform.store as PostgresPlatformStore;
    const { rows } = await store.pool.query("SELECT current_setting('server_version') AS v");
    const server = majorOf(rows[0]!.v);
    const file = join(dir, "pg.dump");
    const backup = await cli(["backup", file]);
    if (client < server) {
      expect(backup.code).toBe(1);
      expect(backup.err).toContain("server version mismatch");
      expect(backup.err).toContain("CONCLAVE_PG_BIN");
      return;
    }
    expect(backup.code).toBe(0);
    await live!.runOnce("pg-after");
    await live!.stop();
    live = undefined;
    const restored = await cli(["restore", file, "-o", "json"]);
    expect(restored.code).toBe(0);
    expect(json<Summary>(restored).counts.runs).toBe(1);
  });
});
