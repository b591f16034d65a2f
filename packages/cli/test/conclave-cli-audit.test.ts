/**
 * `conclave audit` against a real SQLite file whose audit trail a runtime wrote: verify (all
 * tenants, one tenant, an exported file), export (a file with progress, stdout, a directory per
 * tenant), ls, and tampering done with the real sqlite3 CLI, which verify must report with the
 * first bad seq and exit code 1.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AuditEvent, AuditVerifyResult } from "@conclave/core";
import { openPlatform, Runtime } from "@conclave/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireCli } from "../../../test/support/tamper.ts";
import { json, runCli, scratchDir, writeStepsProject } from "./cli-harness.ts";

const dir = scratchDir("conclave-cli-audit");
const db = join(dir, "audit.db");
const cli = (...args: string[]) =>
  runCli(args, { cwd: dir, env: { CONCLAVE_DATABASE_URL: db }, progress: true });
const sqlite = (sql: string) => execFileSync("sqlite3", ["-bail", db, sql], { stdio: "pipe" });

beforeAll(async () => {
  requireCli("sqlite3", "sqlite3");
  const mod = await writeStepsProject(dir);
  const platform = await openPlatform(db);
  const runtime = await Runtime.create({
    store: platform.store,
    graphs: { steps: mod.steps },
    audit: { log: platform.audit, durability: "sync" },
  });
  await runtime.startWorker();
  for (const tenant of ["acme", "zeta"]) {
    const run = await runtime.submit({
      tenant,
      assistant: "steps",
      thread: `t-${tenant}`,
      input: {},
    });
    await runtime.join(tenant, run.runId);
  }
  await runtime.close(0);
  await platform.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("conclave audit on SQLite", () => {
  it("verifies every tenant's chain", async () => {
    const all = await cli("audit", "verify");
    expect(all.code).toBe(0);
    expect(all.out).toMatch(/^ok {6}acme: \d+ events$/m);
    expect(all.out).toMatch(/^ok {6}zeta: \d+ events$/m);
    expect(all.out).toContain("2 ok, 0 broken");
    const one = json<AuditVerifyResult[]>(
      await cli("audit", "verify", "--tenant", "acme", "-o", "json"),
    );
    expect(one).toMatchObject([{ ok: true, tenant: "acme" }]);
  });

  it("lists events, newest last, filtered by kind", async () => {
    const created = json<AuditEvent[]>(
      await cli("audit", "ls", "--tenant", "acme", "--kind", "run.created", "-o", "json"),
    );
    expect(created).toMatchObject([{ tenant: "acme", seq: 1, kind: "run.created" }]);
    const table = await cli("audit", "ls", "--limit", "2");
    expect(table.out).toMatch(/TENANT\s+SEQ\s+TIME\s+KIND/);
    expect(table.out.split("\n")).toHaveLength(3);
    expect(table.out).toContain("run.finished");
  });

  it("exports a tenant with progress and verifies the file offline; a cut file fails", async () => {
    const file = join(dir, "acme.jsonl");
    const exported = await cli("audit", "export", "--tenant", "acme", "--out", file);
    expect(exported.code).toBe(0);
    expect(exported.out).toMatch(/^exported \d+ events of acme to .*acme\.jsonl \(head seq \d+/);
    expect(exported.progress.at(-1)).toBe("");
    expect(exported.progress[0]).toMatch(/^audit export acme: \d+\/\d+ events$/);
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ head: { tenant: "acme" } });
    expect((await cli("audit", "verify", "--file", file)).code).toBe(0);
    writeFileSync(file, `${lines.slice(0, -2).join("\n")}\n`);
    const cut = await cli("audit", "verify", "--file", file);
    expect(cut.code).toBe(1);
    expect(cut.out).toContain(`BROKEN  acme: seq ${lines.length - 1}: truncated`);
  });

  it("stops an export when interrupted, removing the partial file (exit 130)", async () => {
    const file = join(dir, "interrupted.jsonl");
    const stopped = await runCli(["audit", "export", "--tenant", "acme", "--out", file], {
      cwd: dir,
      env: { CONCLAVE_DATABASE_URL: db },
      stopped: Promise.resolve("SIGTERM"),
    });
    expect(stopped.code).toBe(130);
    expect(existsSync(file)).toBe(false);
  });

  it("exports to stdout, and several tenants only into a directory", async () => {
    const stdout = await cli("audit", "export", "--tenant", "zeta");
    expect(stdout.out.split("\n").at(-1)).toMatch(
      /^\{"head":\{"hash":"[0-9a-f]{64}","seq":\d+,"tenant":"zeta"\}\}$/,
    );
    expect(stdout.err).toMatch(/exported \d+ events of zeta to stdout/);
    const refused = await cli("audit", "export", "--out", join(dir, "all.jsonl"));
    expect(refused.code).toBe(2);
    expect(refused.err).toContain("2 tenants have audit logs (acme, zeta)");
    expect(refused.err).toContain("Run `conclave audit export --help`");
    const folder = join(dir, "exports");
    expect((await cli("audit", "export", "--out", `${folder}/`)).code).toBe(0);
    expect(readdirSync(folder).sort()).toEqual(["acme.audit.jsonl", "zeta.audit.jsonl"]);
  });

  it("exits 1 naming the seq and reason when a row was edited with the sqlite3 CLI", async () => {
    sqlite("UPDATE conclave_audit_events SET actor = 'mallory' WHERE tenant = 'acme' AND seq = 2");
    const broken = await cli("audit", "verify");
    expect(broken.code).toBe(1);
    expect(broken.out).toMatch(
      /^BROKEN {2}acme: seq 2: hash-mismatch: .+ \(1 events check out before it\)$/m,
    );
    expect(broken.out).toMatch(/^ok {6}zeta/m);
    expect(broken.out).toContain("1 ok, 1 broken");
    const asJson = json<AuditVerifyResult[]>(
      await cli("audit", "verify", "--tenant", "acme", "-o", "json"),
    );
    expect(asJson).toMatchObject([{ ok: false, seq: 2, reason: "hash-mismatch" }]);
  });

  it("notices a tenant whose whole log was deleted", async () => {
    sqlite(
      "DELETE FROM conclave_audit_events WHERE tenant = 'zeta'; DELETE FROM conclave_audit_heads WHERE tenant = 'zeta'",
    );
    const result = await cli("audit", "verify");
    expect(result.code).toBe(1);
    expect(result.out).toContain("BROKEN  (deleted): seq 1: tenant-missing: 1 tenant(s)");
  });
});
