/**
 * Metering accuracy: N calls through the gateway, each answered by the fixture server with a
 * seeded random usage (cache reads, cache writes, reasoning, a few long-context prompts), over
 * OpenAI Chat Completions, OpenAI Responses, Anthropic Messages and an OpenAI-compatible server,
 * half `generateText` and half `streamText`. The SQLite ledger's total must equal the sum of
 * the independently computed expected costs, to the pico-USD.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGateway, createRegistry, type DeploymentConfig } from "@conclave/models";
import { openMeteringDatabase, SqliteBudgetStore, SqliteLedger } from "@conclave/sqlite";
import { generateText, streamText } from "ai";
import { type Reply, startFixtureServer } from "../packages/models/test/fixtures/index.ts";
import {
  type Buckets,
  expectedPico,
  rawPrice,
  reportedBuckets,
  type ScriptedUsage,
} from "./gateway-expected.ts";
import { seededRandom } from "./gateway-stats.ts";

/** One deployment of the accuracy run, with what the expected cost is computed from. */
interface Target {
  config: Omit<DeploymentConfig, "alias" | "baseURL">;
  /** The model-prices.json key the price comes from (none for the compatible server). */
  tableKey: string | undefined;
  /** Whether the provider reports cache writes (else they arrive as uncached input). */
  cacheWriteField: boolean;
  /** Share of calls whose prompt crosses the model's long-context tier (0 when it has none). */
  tierShare: number;
  compat?: boolean;
}

const TARGETS: Target[] = [
  {
    config: { id: "chat-gpt-4o-mini", provider: "openai", model: "gpt-4o-mini" },
    tableKey: "gpt-4o-mini",
    cacheWriteField: true,
    tierShare: 0,
  },
  {
    config: { id: "responses-o4-mini", provider: "openai-responses", model: "o4-mini" },
    tableKey: "o4-mini",
    cacheWriteField: true,
    tierShare: 0,
  },
  {
    // A deployment override that adds a reasoning rate: exercises the override merge and the
    // reasoning bucket (no OpenAI or Anthropic table entry lists one).
    config: {
      id: "responses-gpt-5-mini-override",
      provider: "openai-responses",
      model: "gpt-5-mini",
      price: {
        input_cost_per_token: 2.5e-7,
        output_cost_per_token: 2e-6,
        output_cost_per_reasoning_token: 3e-6,
      },
    },
    tableKey: "gpt-5-mini",
    cacheWriteField: true,
    tierShare: 0,
  },
  {
    config: { id: "anthropic-sonnet-4-5", provider: "anthropic", model: "claude-sonnet-4-5" },
    tableKey: "claude-sonnet-4-5",
    cacheWriteField: true,
    tierShare: 0.05,
  },
  {
    config: { id: "anthropic-opus-4-1", provider: "anthropic", model: "claude-opus-4-1" },
    tableKey: "claude-opus-4-1",
    cacheWriteField: true,
    tierShare: 0,
  },
  {
    config: {
      id: "compat-llama",
      provider: "openai-compatible",
      model: "llama-3.1-8b-instruct",
      price: { input_cost_per_token: 1e-7, output_cost_per_token: 2e-7 },
    },
    tableKey: undefined,
    cacheWriteField: false,
    tierShare: 0,
    compat: true,
  },
];

/** One target's share of the run. */
export interface AccuracyRow {
  deployment: string;
  calls: number;
  streamed: number;
  tierCalls: number;
  expectedPico: bigint;
  ledgerPico: bigint;
}

/** The whole accuracy run. */
export interface AccuracyResult {
  calls: number;
  seed: number;
  expectedPico: bigint;
  ledgerPico: bigint;
  budgetSpentPico: bigint;
  budgetReservedPico: bigint;
  tokenMismatches: number;
  /** Calls whose own ledger record's cost differs from its expected cost. */
  callMismatches: number;
  rows: AccuracyRow[];
  seconds: number;
}

function randomUsage(random: () => number, target: Target): ScriptedUsage {
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const tier = random() < target.tierShare;
  const input = tier ? int(200_001, 260_000) : int(1, 150_000);
  const cachedInput = random() < 0.6 ? int(0, Math.floor(input * 0.9)) : undefined;
  const left = input - (cachedInput ?? 0);
  const cacheWrite = random() < 0.4 ? int(0, Math.floor(left * 0.5)) : undefined;
  const output = int(1, 4000);
  const reasoning = random() < 0.5 ? int(0, output) : undefined;
  return { input, output, cachedInput, cacheWrite, reasoning };
}

function sumBuckets(a: Buckets, b: Buckets): Buckets {
  return {
    noCache: a.noCache + b.noCache,
    cacheRead: a.cacheRead + b.cacheRead,
    cacheWrite: a.cacheWrite + b.cacheWrite,
    text: a.text + b.text,
    reasoning: a.reasoning + b.reasoning,
  };
}

const ZERO: Buckets = { noCache: 0, cacheRead: 0, cacheWrite: 0, text: 0, reasoning: 0 };

/**
 * Runs `calls` metered calls one at a time (so the fixture's script order is the call order)
 * against an in-process fixture server and a SQLite ledger and budget store in a temp file.
 */
export async function runAccuracy(calls: number, seed = 20_250_101): Promise<AccuracyResult> {
  const started = performance.now();
  const server = await startFixtureServer();
  const dir = mkdtempSync(join(tmpdir(), "conclave-gw-accuracy-"));
  const db = openMeteringDatabase(join(dir, "metering.db"));
  try {
    const registry = createRegistry({
      env: { OPENAI_API_KEY: "bench", ANTHROPIC_API_KEY: "bench" },
      deployments: TARGETS.map((t) => ({
        ...t.config,
        alias: t.config.id,
        baseURL: t.compat ? server.baseURL.compat : server.baseURL.openai,
      })),
    });
    const ledger = new SqliteLedger(db);
    const budgets = new SqliteBudgetStore(db);
    await budgets.setBudget({
      id: "global",
      scope: { kind: "global" },
      limitPico: 10n ** 18n,
      period: "none",
      action: "fail",
    });
    const aliases = Object.fromEntries(
      TARGETS.map((t) => [t.config.id, { strategy: "ordered" as const }]),
    );
    const gateway = createGateway({ registry, aliases, ledger, budgets });
    const random = seededRandom(seed);
    const rows = new Map<string, AccuracyRow & { buckets: Buckets }>();
    const perCall: bigint[] = [];
    for (const t of TARGETS) {
      rows.set(t.config.id, {
        deployment: t.config.id,
        calls: 0,
        streamed: 0,
        tierCalls: 0,
        expectedPico: 0n,
        ledgerPico: 0n,
        buckets: ZERO,
      });
    }
    for (let i = 0; i < calls; i++) {
      const target = TARGETS[i % TARGETS.length]!;
      const stream = Math.floor(i / TARGETS.length) % 2 === 1;
      const usage = randomUsage(random, target);
      const reply: Reply = { text: `Reply ${i}: metered exactly.`, usage };
      server.script(reply);
      const model = gateway.model(target.config.id);
      if (stream) {
        const result = streamText({ model, prompt: `Call ${i}`, maxRetries: 0 });
        await result.consumeStream();
      } else {
        await generateText({ model, prompt: `Call ${i}`, maxRetries: 0 });
      }
      const buckets = reportedBuckets(usage, target.cacheWriteField);
      const row = rows.get(target.config.id)!;
      row.calls++;
      if (stream) row.streamed++;
      if (usage.input > 200_000) row.tierCalls++;
      const expected = expectedPico(rawPrice(target.tableKey, target.config.price), buckets);
      perCall.push(expected);
      row.expectedPico += expected;
      row.buckets = sumBuckets(row.buckets, buckets);
    }
    const perDeployment = await ledger.query({ groupBy: ["deployment"] });
    let tokenMismatches = 0;
    for (const r of perDeployment) {
      const row = rows.get(r.key.deployment ?? "");
      if (!row) continue;
      row.ledgerPico = r.costPico;
      const t = r.tokens;
      const b = row.buckets;
      const same =
        t.inputNoCache === b.noCache &&
        t.inputCacheRead === b.cacheRead &&
        t.inputCacheWrite === b.cacheWrite &&
        t.outputText === b.text &&
        t.outputReasoning === b.reasoning &&
        r.calls === row.calls;
      if (!same) tokenMismatches++;
    }
    const records = await ledger.list({});
    const callMismatches =
      Math.abs(records.length - perCall.length) +
      records.filter((r, i) => r.costPico !== perCall[i]).length;
    const [total] = await ledger.query({ groupBy: [] });
    const [status] = await budgets.status(new Date(), ["global"]);
    const list = [...rows.values()].map(({ buckets: _b, ...row }) => row);
    return {
      calls,
      seed,
      expectedPico: list.reduce((sum, r) => sum + r.expectedPico, 0n),
      ledgerPico: total?.costPico ?? 0n,
      budgetSpentPico: status?.spentPico ?? -1n,
      budgetReservedPico: status?.reservedPico ?? -1n,
      tokenMismatches,
      callMismatches,
      rows: list,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    db.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
