/**
 * `conclave cost`, `budgets` and `models` against a real SQLite file: ledger reports grouped
 * several ways with exact totals, budgets set/listed/removed (and audited) with spend from
 * real reservations, and the models section listed and tested offline on sim deployments.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { UsageRecord } from "@conclave/core";
import { openPlatform, type Platform } from "@conclave/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, runCli, scratchDir, words } from "./cli-harness.ts";

const dir = scratchDir("conclave-cli-cost");
const db = join(dir, "cost.db");
const cli = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { cwd: dir, env: { CONCLAVE_DATABASE_URL: db, ...env } });
let platform: Platform;
let seq = 0;

function usage(part: Partial<UsageRecord> & { ts: string; costPico: bigint }): UsageRecord {
  return {
    id: `u-${seq++}`,
    alias: "fast",
    deployment: "mini",
    provider: "openai",
    model: "gpt-4o-mini",
    tokens: {
      inputNoCache: 100,
      inputCacheRead: 20,
      inputCacheWrite: 0,
      outputText: 40,
      outputReasoning: 10,
    },
    priceVersion: "test",
    latencyMs: 12,
    status: "ok",
    streamed: false,
    tenant: "acme",
    agent: "writer",
    ...part,
  };
}

beforeAll(async () => {
  platform = await openPlatform(db);
  for (const record of [
    usage({ ts: "2026-11-02T03:00:00.000Z", costPico: 1_500_000_000n }),
    usage({
      ts: "2026-11-02T12:00:00.000Z",
      costPico: 2_000_000_000_000n,
      model: "gpt-4o",
      agent: "critic",
    }),
    usage({ ts: "2026-11-03T09:30:00.000Z", costPico: 250_000_000n, tenant: "zeta" }),
  ])
    await platform.ledger.record(record);
});
afterAll(async () => {
  await platform.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("conclave cost", () => {
  it("groups by model, dearest first, with an exact totals line", async () => {
    const report = await cli(["cost"]);
    expect(report.code).toBe(0);
    expect(report.out.split("\n")).toEqual([
      expect.stringMatching(/^MODEL\s+CALLS\s+INPUT TOK\s+OUTPUT TOK\s+COST USD$/),
      expect.stringMatching(/^gpt-4o\s+1\s+120\s+50\s+\$2\.00$/),
      expect.stringMatching(/^gpt-4o-mini\s+2\s+240\s+100\s+\$0\.00175$/),
      expect.stringMatching(/^TOTAL\s+3\s+360\s+150\s+\$2\.00175$/),
    ]);
  });

  it("groups by calendar day in a time zone, and by tenant within a range, as JSON", async () => {
    const days = await cli(["cost", "--by", "day", "--tz", "America/Los_Angeles"]);
    expect(days.out).toMatch(/^2026-11-01\s+1\s/m);
    expect(days.out).toMatch(/^2026-11-02\s+1\s/m);
    expect(days.out).toMatch(/^2026-11-03\s+1\s/m);
    const tenants = json<{
      rows: { key: object; costPico: string; costUsd: string }[];
      total: { costPico: string };
    }>(
      await cli([
        "cost",
        "--by",
        "tenant",
        "--from",
        "2026-11-02",
        "--to",
        "2026-11-03",
        "-o",
        "json",
      ]),
    );
    expect(tenants.rows).toEqual([
      expect.objectContaining({
        key: { tenant: "acme" },
        costPico: "2001500000000",
        costUsd: "2.001500",
      }),
    ]);
    expect(tenants.total.costPico).toBe("2001500000000");
    const lines = (await cli(["cost", "--by", "agent,model", "-o", "jsonl"])).out.split("\n");
    expect(lines.map((l) => JSON.parse(l).key)).toEqual([
      { agent: "critic", model: "gpt-4o" },
      { agent: "writer", model: "gpt-4o-mini" },
    ]);
  });

  it("rejects bad dimensions, zones and ranges with exit code 2 and the value seen", async () => {
    const by = await cli(["cost", "--by", "colour"]);
    expect(by.code).toBe(2);
    expect(by.err).toContain(
      '--by takes a comma-separated list of model, deployment, alias, agent, thread, tenant, day; got "colour"',
    );
    expect((await cli(["cost", "--tz", "Mars/Base"])).err).toContain('got "Mars/Base"');
    expect((await cli(["cost", "--from", "yesterday"])).err).toContain(
      "--from must be an ISO date",
    );
    const range = await cli(["cost", "--from", "2026-11-03", "--to", "2026-11-01"]);
    expect(range.err).toContain("--from must come before --to");
  });
});

describe("conclave budgets", () => {
  it("sets a budget and lists it with the spend of real reservations", async () => {
    const set = await cli(
      words("budgets set cap --limit 10 --scope tenant:acme --period month --alerts 0.5,0.8"),
    );
    expect(set.code).toBe(0);
    expect(set.out).toContain("created budget cap");
    const now = new Date();
    const reserve = (reservationId: string, amountPico: bigint) =>
      platform.budgets.reserve({ reservationId, budgetIds: ["cap"], amountPico, now });
    await reserve("r1", 3_000_000_000_000n);
    await platform.budgets.settle("r1", 2_500_000_000_000n, now);
    await reserve("r2", 1_000_000_000_000n);
    const listed = await cli(["budgets", "ls"]);
    expect(listed.out).toMatch(
      /^cap\s+tenant:acme\s+month \d{4}-\d{2}\s+fail\s+\$10\.00\s+\$2\.50\s+\$1\.00\s+\$6\.50\s+25%$/m,
    );
    const status = json<{ budget: { limitPico: string }; spentPico: string }[]>(
      await cli(words("budgets ls -o json")),
    );
    expect(status[0]).toMatchObject({
      budget: { limitPico: "10000000000000" },
      spentPico: "2500000000000",
    });
  });

  it("updates a budget keeping its spend, removes it, and audits each change", async () => {
    const updated = await cli(
      words("budgets set cap --limit $20 --scope tenant:acme --period month --action pause"),
    );
    expect(updated.out).toContain("updated budget cap");
    expect(updated.out).toMatch(/pause\s+\$20\.00\s+\$2\.50/);
    expect((await cli(["budgets", "rm", "cap"])).out).toBe("deleted budget cap");
    expect((await cli(["budgets", "ls"])).out).toBe("no budgets");
    const audit = await platform.audit.list({ tenant: "acme" });
    expect(audit.map((e) => [e.kind, e.actor, e.data.budgetId])).toEqual([
      ["admin.budget.set", "cli", "cap"],
      ["admin.budget.set", "cli", "cap"],
      ["admin.budget.deleted", "cli", "cap"],
    ]);
  });

  it("explains bad budget flags and unknown ids", async () => {
    const base = ["budgets", "set", "b", "--scope", "global", "--period", "day"];
    const limit = await cli([...base, "--limit", "ten"]);
    expect(limit.code).toBe(2);
    expect(limit.err).toContain('a positive amount of US dollars such as 25 or 0.50; got "ten"');
    expect(limit.err).toContain("Run `conclave budgets set --help` for usage.");
    expect((await cli([...base, "--limit", "1", "--scope", "planet:x"])).err).toContain(
      "--scope must be global, tenant:<t>",
    );
    expect((await cli([...base, "--limit", "1", "--action", "panic"])).err).toContain(
      '--action must be one of pause, downgrade, fail; got "panic"',
    );
    expect((await cli([...base, "--limit", "1", "--tz", "Nowhere/City"])).err).toContain(
      '"Nowhere/City" is not a known IANA time zone',
    );
    const missing = await cli(["budgets", "rm", "ghost"]);
    expect(missing.code).toBe(3);
    expect(missing.err).toContain('no budget "ghost"');
  });
});

describe("conclave models", () => {
  beforeAll(() => {
    writeFileSync(
      join(dir, "conclave.config.ts"),
      `export default {
  models: {
    deployments: [
      { id: "sim-a", alias: "fast", provider: "sim", model: "sim-fast" },
      { id: "mini", alias: "fast", provider: "openai", model: "gpt-4o-mini" },
      { id: "claude", alias: "smart", provider: "anthropic", model: "claude-sonnet-4-5", apiKeyEnv: "TEST_CLAUDE_KEY" },
      { id: "local", alias: "local", provider: "openai-compatible", model: "no-such-model-xyz", baseURL: "http://127.0.0.1:9/v1" },
    ],
    aliases: { fast: { strategy: "cost" }, smart: { strategy: "ordered", downgradeTo: "fast" } },
  },
};\n`,
    );
  });

  it("lists deployments with prices and key presence, never key values", async () => {
    const secret = "sk-test-never-print-me";
    const listed = await cli(["models", "ls"], { TEST_CLAUDE_KEY: secret });
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/^sim-a\s+fast\s+sim\s+sim-fast\s+\(none needed\)/m);
    expect(listed.out).toMatch(
      /^mini\s+fast\s+openai\s+gpt-4o-mini\s+OPENAI_API_KEY MISSING\s+\$0\.1500\s+\$0\.6000\s+table$/m,
    );
    expect(listed.out).toMatch(
      /^claude\s+smart\s+anthropic\s+claude-sonnet-4-5\s+TEST_CLAUDE_KEY set/m,
    );
    expect(listed.out).toMatch(/^smart\s+ordered\s+claude\s+fast$/m);
    expect(listed.out).toMatch(/^ {2}local: No price for model "no-such-model-xyz"/m);
    const asJson = await cli(["models", "ls", "-o", "json"], { TEST_CLAUDE_KEY: secret });
    expect(asJson.out).not.toContain(secret);
    expect(listed.out).not.toContain(secret);
    expect(
      json<{ deployments: { id: string; keyPresent: boolean }[] }>(asJson).deployments.map((d) => [
        d.id,
        d.keyPresent,
      ]),
    ).toEqual([
      ["sim-a", true],
      ["mini", false],
      ["claude", true],
      ["local", true],
    ]);
  });

  it("tests a sim deployment and an alias offline; fails clearly without a key or a price", async () => {
    const direct = await cli(["models", "test", "sim-a"]);
    expect(direct.code).toBe(0);
    expect(direct.out).toMatch(/^ok {2}sim-a via sim-a \(sim-fast, simulated\) in \d+ms$/m);
    const alias = json<{ ok: boolean; deployment: string; outputTokens: number }>(
      await cli(["models", "test", "fast", "-o", "json"]),
    );
    expect(alias).toMatchObject({ ok: true, deployment: "sim-a" });
    expect(alias.outputTokens).toBeLessThanOrEqual(16);
    const noKey = await cli(["models", "test", "mini"]);
    expect(noKey.code).toBe(1);
    expect(noKey.err).toContain("deployment mini has no API key: set OPENAI_API_KEY");
    expect((await cli(["models", "test", "local"])).err).toContain(
      "deployment local cannot be used: No price",
    );
    const unknown = await cli(["models", "test", "gpt-9"]);
    expect(unknown.code).toBe(3);
    expect(unknown.err).toContain(
      'no alias or deployment "gpt-9"; configured: claude, fast, local, mini, sim-a, smart',
    );
  });
});
