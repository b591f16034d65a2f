/**
 * The gateway's own cost per call: the same `generateText` / `streamText` call made with the
 * raw AI SDK model and with gateway models in several configurations, interleaved call by call
 * (in a seeded random order each round), against one backend. Backends: the HTTP fixture server in a
 * child process (the target's setting) and an in-process stub model (no network, so the
 * gateway's share is measured without loopback noise).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createOpenAI } from "@ai-sdk/openai";
import type { LanguageModelV4 } from "@ai-sdk/provider";
import type { BudgetStore, Ledger } from "@conclave/core";
import {
  createGateway,
  createRegistry,
  defaultPriceTable,
  type ModelRegistry,
} from "@conclave/models";
import { openMeteringDatabase, SqliteBudgetStore, SqliteLedger } from "@conclave/sqlite";
import { generateText, streamText } from "ai";
import type { Database } from "better-sqlite3";
import { seededRandom } from "./gateway-stats.ts";
import { stubModel } from "./gateway-stub.ts";

/** How the call is made: `generateText`, or `streamText` read to the end. */
export type Mode = "generate" | "stream";
export const MODES: readonly Mode[] = ["generate", "stream"];

/** What answers the calls. */
export type Backend = "http" | "stub";

/**
 * The configurations timed side by side. `gw-full` is the target's: SQLite ledger and SQLite
 * budget store (one global budget) on one file opened by `openMeteringDatabase`, whose
 * `synchronous` is the library's default NORMAL in WAL mode (as the saver and the platform store;
 * `gw-full-fsync` shows FULL, an fsync per commit).
 */
export const VARIANTS = [
  "direct",
  "gw-bare",
  "gw-ledger",
  "gw-full",
  "gw-full-fsync",
  "gw-memory",
] as const;
export type Variant = (typeof VARIANTS)[number];

/** What each variant is, for the report. */
export const VARIANT_LABELS: Record<Variant, string> = {
  direct: "AI SDK model called directly",
  "gw-bare": "gateway, no ledger, no budgets (routing, token count, span)",
  "gw-ledger": "gateway + SQLite ledger (default synchronous=NORMAL)",
  "gw-full": "gateway + SQLite ledger + SQLite budget (default synchronous=NORMAL) [target]",
  "gw-full-fsync": "gateway + SQLite ledger + SQLite budget, synchronous=FULL",
  "gw-memory": "gateway + MemoryLedger + MemoryBudgetStore",
};

/** Per-call milliseconds, indexed by round so that samples of one round pair up. */
export type Samples = Record<Mode, Record<Variant, number[]>>;

/**
 * What one backend's run measured: wall time of each call (to the caller), and this process's
 * CPU time per call including the usage writes the gateway defers until after the call.
 */
export interface Measured {
  wall: Samples;
  cpu: Samples;
}

const PROMPT = "Summarise the three main risks of durable multi-agent systems in one sentence.";

interface Stores {
  ledgerOnly: Ledger;
  full: { ledger: Ledger; budgets: BudgetStore };
  fullFsync: { ledger: Ledger; budgets: BudgetStore };
  memory: { ledger: Ledger; budgets: BudgetStore };
  close(): void;
}

const BUDGET = {
  id: "global",
  scope: { kind: "global" as const },
  limitPico: 10n ** 18n,
  period: "none" as const,
  action: "fail" as const,
};

async function openStores(): Promise<Stores> {
  const { MemoryBudgetStore, MemoryLedger } = await import("@conclave/core");
  const dir = mkdtempSync(join(tmpdir(), "conclave-gw-overhead-"));
  const dbs: Database[] = [];
  const open = (name: string, synchronous?: "normal" | "full") => {
    const db = openMeteringDatabase(join(dir, name), synchronous ? { synchronous } : {});
    dbs.push(db);
    return db;
  };
  const withBudget = async (db: Database) => {
    const budgets = new SqliteBudgetStore(db);
    await budgets.setBudget(BUDGET);
    return { ledger: new SqliteLedger(db), budgets };
  };
  const memoryBudgets = new MemoryBudgetStore();
  await memoryBudgets.setBudget(BUDGET);
  return {
    ledgerOnly: new SqliteLedger(open("ledger.db")),
    full: await withBudget(open("full.db")),
    fullFsync: await withBudget(open("full-fsync.db", "full")),
    memory: { ledger: new MemoryLedger(), budgets: memoryBudgets },
    close() {
      for (const db of dbs) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A model to time, and how to wait for the work it left after returning (none: direct). */
interface Timed {
  model: LanguageModelV4;
  drain: () => Promise<void>;
}

function gatewayModels(
  registry: ModelRegistry,
  direct: LanguageModelV4,
  stores: Stores,
): Record<Variant, Timed> {
  const aliases = { fast: { strategy: "ordered" as const } };
  const model = (extra: { ledger?: Ledger; budgets?: BudgetStore }): Timed => {
    const gateway = createGateway({ registry, aliases, ...extra });
    return { model: gateway.model("fast"), drain: () => gateway.flush() };
  };
  return {
    direct: { model: direct, drain: async () => {} },
    "gw-bare": model({}),
    "gw-ledger": model({ ledger: stores.ledgerOnly }),
    "gw-full": model(stores.full),
    "gw-full-fsync": model(stores.fullFsync),
    "gw-memory": model(stores.memory),
  };
}

/** A registry whose one deployment is the stub, priced as gpt-4o-mini. */
function stubRegistry(model: LanguageModelV4): ModelRegistry {
  const deployment = {
    id: "stub",
    alias: "fast",
    provider: "openai" as const,
    modelId: "gpt-4o-mini",
    model,
    price: defaultPriceTable().priceFor("openai", "gpt-4o-mini"),
    capabilities: { tools: true, structuredOutput: true, vision: false },
    limits: {},
    tags: [],
    weight: 1,
    simulated: false,
  };
  return {
    deployments: [deployment],
    skipped: [],
    aliases: () => ["fast"],
    byAlias: (alias) => (alias === "fast" ? [deployment] : []),
    get: (id) => (id === "stub" ? deployment : undefined),
  };
}

const fixturePath = fileURLToPath(new URL("./gateway-fixture.ts", import.meta.url));

/** Starts the fixture server in a child process; resolves with its OpenAI base URL. */
async function startFixtureChild(): Promise<{ child: ChildProcess; baseURL: string }> {
  const child = spawn(process.execPath, [fixturePath], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`fixture child exited with ${code}`)));
  });
  lines.close();
  const { baseURL } = JSON.parse(first) as { baseURL: { openai: string } };
  return { child, baseURL: baseURL.openai };
}

/**
 * One call: wall ms until it resolved, and CPU ms until the work it deferred (the usage write)
 * is done too. Draining before the next call keeps one variant's deferred write out of the
 * next variant's timing.
 */
async function timeCall(timed: Timed, mode: Mode): Promise<{ wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  if (mode === "generate") {
    await generateText({ model: timed.model, prompt: PROMPT, maxRetries: 0 });
  } else {
    await streamText({ model: timed.model, prompt: PROMPT, maxRetries: 0 }).consumeStream();
  }
  const wall = performance.now() - t0;
  await timed.drain();
  // Lets a write queued for the next event-loop turn run before the CPU is read.
  await new Promise((resolve) => setImmediate(resolve));
  const used = process.cpuUsage(cpu0);
  return { wall, cpu: (used.user + used.system) / 1000 };
}

/**
 * A seeded shuffle. Decision: a rotating order put each variant after the same neighbour almost
 * every round (the variant after the fsync one paid for its flush), so rounds are shuffled.
 */
function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Runs `warmup` untimed then `rounds` timed rounds; each round calls every variant once per mode. */
async function interleave(
  models: Record<Variant, Timed>,
  warmup: number,
  rounds: number,
): Promise<Measured> {
  const empty = () => Object.fromEntries(VARIANTS.map((v) => [v, [] as number[]]));
  const wall = { generate: empty(), stream: empty() } as Samples;
  const cpu = { generate: empty(), stream: empty() } as Samples;
  const random = seededRandom(7);
  for (let round = -warmup; round < rounds; round++) {
    for (const mode of MODES) {
      for (const variant of shuffled(VARIANTS, random)) {
        const took = await timeCall(models[variant], mode);
        if (round < 0) continue;
        wall[mode][variant].push(took.wall);
        cpu[mode][variant].push(took.cpu);
      }
    }
  }
  return { wall, cpu };
}

/** Times every variant against `backend`; `rounds` calls per variant and mode. */
export async function measureOverhead(
  backend: Backend,
  warmup: number,
  rounds: number,
): Promise<Measured> {
  const stores = await openStores();
  let fixture: { child: ChildProcess; baseURL: string } | undefined;
  try {
    let registry: ModelRegistry;
    let direct: LanguageModelV4;
    if (backend === "http") {
      fixture = await startFixtureChild();
      registry = createRegistry({
        env: { OPENAI_API_KEY: "bench" },
        deployments: [
          {
            id: "mini",
            alias: "fast",
            provider: "openai",
            model: "gpt-4o-mini",
            baseURL: fixture.baseURL,
          },
        ],
      });
      direct = createOpenAI({ baseURL: fixture.baseURL, apiKey: "bench" }).chat("gpt-4o-mini");
    } else {
      direct = stubModel();
      registry = stubRegistry(direct);
    }
    return await interleave(gatewayModels(registry, direct, stores), warmup, rounds);
  } finally {
    stores.close();
    fixture?.child.stdin?.end();
  }
}
