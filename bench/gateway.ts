/**
 * `npm run bench:gateway`: the model gateway's two targets, in one run.
 * 1. Overhead: the same AI SDK call, direct and through the gateway (SQLite ledger + budget),
 *    interleaved against the HTTP fixture server in a child process, plus an in-process stub
 *    backend and configurations that attribute the cost (no stores, ledger only, memory).
 * 2. Metering accuracy: 1,000 calls with seeded cache, reasoning and streaming usage; the
 *    SQLite ledger's total against an independent pico-USD computation from the price JSON.
 * Prints the tables and PASS/MISS lines, and writes bench/results/gateway.md and .json
 * (gateway-quick.* with --quick).
 *
 * Usage: node --expose-gc bench/gateway.ts [--quick]
 *   --quick  fewer rounds (the CI smoke run, under 20 s); accuracy still runs 1,000 calls
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runAccuracy } from "./gateway-accuracy.ts";
import { measureOverhead, VARIANT_LABELS, VARIANTS } from "./gateway-overhead.ts";
import {
  accuracyRows,
  attributionLines,
  driftLines,
  overheadRows,
  renderMarkdown,
  renderText,
  tableRows,
  targetLines,
} from "./gateway-report.ts";
import { describeMachine, loadLine, machineLines } from "./machine.ts";

/**
 * Rounds per backend (each round = one call per variant and mode). Decision: 1,200 HTTP rounds
 * put the bootstrap interval of the overhead within about ±0.05 ms on a 2-core VM and keep the
 * full run near 90 s; the stub backend is quieter and cheaper, 1,000 rounds.
 */
const SIZES = {
  full: { warmup: 150, http: 1200, stub: 1000, accuracyCalls: 1000 },
  quick: { warmup: 30, http: 100, stub: 100, accuracyCalls: 1000 },
};

function versionOf(pkg: string): string {
  try {
    const url = new URL(`../node_modules/${pkg}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(url, "utf8")) as { version?: string }).version ?? "?";
  } catch {
    return "not installed";
  }
}

function commandLine(quick: boolean): string {
  if (process.env.npm_lifecycle_event === "bench:gateway")
    return `npm run bench:gateway${quick ? " -- --quick" : ""}`;
  return `node --expose-gc bench/gateway.ts${quick ? " --quick" : ""}`;
}

function formatWithBiome(files: string[]): void {
  const biome = fileURLToPath(new URL("../node_modules/@biomejs/biome/bin/biome", import.meta.url));
  if (!existsSync(biome)) return;
  spawnSync(process.execPath, [biome, "format", "--write", ...files], { stdio: "ignore" });
}

const jsonSafe = (_key: string, value: unknown) =>
  typeof value === "bigint" ? value.toString() : value;

/**
 * Phases: time the stub backend, then the HTTP backend, then run the accuracy calls; render
 * the tables, attribution and targets to stdout and to bench/results/.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
  const quick = values.quick ?? false;
  const size = quick ? SIZES.quick : SIZES.full;
  const machine = describeMachine();
  const loadAtStart = os.loadavg()[0] ?? 0;
  const started = performance.now();

  process.stderr.write("gateway bench: stub backend...\n");
  const stubSamples = await measureOverhead("stub", size.warmup, size.stub);
  process.stderr.write("gateway bench: HTTP fixture backend...\n");
  const httpSamples = await measureOverhead("http", size.warmup, size.http);
  const stub = overheadRows("stub", stubSamples);
  const http = overheadRows("http", httpSamples);
  process.stderr.write(`gateway bench: metering accuracy, ${size.accuracyCalls} calls...\n`);
  const accuracy = await runAccuracy(size.accuracyCalls);
  const wallSeconds = (performance.now() - started) / 1000;
  const load = loadLine(machine.cores, loadAtStart, os.loadavg()[0] ?? 0);

  const rows = [...http, ...stub];
  const table = tableRows(rows);
  const accTable = accuracyRows(accuracy);
  const attribution = [
    ...attributionLines(rows, "http"),
    ...attributionLines(rows, "stub"),
    ...driftLines("http", httpSamples.wall),
    ...driftLines("stub", stubSamples.wall),
  ];
  const targets = targetLines(rows, accuracy);
  const legend = VARIANTS.map((v) => `${v}: ${VARIANT_LABELS[v]}`);
  const notes = [
    "Per-call time is `generateText` (or `streamText` read to the end with `consumeStream()`) from call to resolution; one round calls every variant once per mode, in a seeded random order, after an untimed warm-up. After each call the bench waits, untimed, for the usage writes the gateway defers (`gateway.flush()`), so one variant's write never lands in the next call's time.",
    "CPU ms/call: this process's user+system CPU (`process.cpuUsage`) from the call until its deferred usage write is done, averaged; the fixture server's CPU is its own process's. It is the cost a busy process pays per call, where the overhead column is the latency a caller sees.",
    "overhead = median(variant) - median(direct); the 95% CI is a percentile bootstrap (1,000 resamples) of that difference; paired = median of the per-round differences.",
    'http: the OpenAI Chat Completions fixture server (packages/models/test/fixtures) runs in a child process on 127.0.0.1; both the direct model and the gateway\'s deployment are `createOpenAI({ baseURL }).chat("gpt-4o-mini")`. stub: an in-process model that answers at once (bench/gateway-stub.ts).',
    "SQLite stores share one temp file per variant, opened with `openMeteringDatabase` (WAL; its default synchronous=NORMAL) unless the variant says FULL; the budget is one global budget of $1,000,000.",
    `Accuracy: seed ${accuracy.seed}; usage drawn per call (input 1-150k, 5% of Sonnet 4.5 calls 200,001-260,000 to cross its 200k tier; cache reads on 60%, cache writes on 40%, reasoning on 50%); generate and stream alternate; expected cost from model-prices.json with bench/gateway-expected.ts (BigInt, no @conclave/models code). The compatible server has no cache-write field, so its cache writes are expected as uncached input. The budget's spent counter: ${accuracy.budgetSpentPico} pico (reserved left: ${accuracy.budgetReservedPico}).`,
    "The router keeps the last 60 s of calls for its circuit breaker (12 bucket counts) and its rpm/tpm windows (a running sum), so the gateway's own cost should not grow with the calls made in the last minute: the drift lines compare the start and the end of the run (a run of 1,000+ rounds keeps every call in the window).",
    "With the SQLite ledger and budget store on one connection a call takes two transactions: the reservation (budgets read in it) before the model call, and the settlement with the ledger row after the call has returned (group-committed with the other calls that finished in the same event-loop turn).",
    `Wall time ${wallSeconds.toFixed(0)} s (accuracy ${accuracy.seconds.toFixed(1)} s).`,
  ];
  const versions = [
    "@conclave/models",
    "ai",
    "@ai-sdk/openai",
    "@ai-sdk/anthropic",
    "@opentelemetry/api",
  ]
    .map((p) => `${p} ${versionOf(p)}`)
    .join(", ");

  const title = quick ? "Gateway benchmark (quick smoke run)" : "Gateway benchmark";
  const text = [
    title,
    "",
    load,
    "",
    renderText(table, 3),
    "",
    ...legend,
    "",
    ...attribution,
    "",
    renderText(accTable, 1),
    "",
    "Targets:",
    ...targets,
    "",
    ...notes.map((n) => `* ${n}`),
  ];
  process.stdout.write(`${text.join("\n")}\n`);

  const command = commandLine(quick);
  const markdown = [
    `## ${title}`,
    "",
    ...machineLines(machine, command),
    `- Gateway stack: ${versions}`,
    `- ${load}`,
    "",
    "### Overhead per call",
    "",
    renderMarkdown(table, 3),
    "",
    ...legend.map((l) => `- ${l}`),
    "",
    ...attribution.map((l) => `- ${l}`),
    "",
    "### Metering accuracy",
    "",
    renderMarkdown(accTable, 1),
    "",
    "Targets:",
    "",
    ...targets.map((t) => `- ${t}`),
    "",
    ...notes.map((n, i) => `${i + 1}. ${n}`),
  ];
  const dir = new URL("./results/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  const base = quick ? "gateway-quick" : "gateway";
  const files = [`${base}.md`, `${base}.json`].map((f) => fileURLToPath(new URL(f, dir)));
  writeFileSync(files[0]!, `${markdown.join("\n")}\n`);
  writeFileSync(
    files[1]!,
    `${JSON.stringify({ machine, command, overhead: rows, accuracy, wallSeconds }, jsonSafe, 2)}\n`,
  );
  formatWithBiome(files);
  process.stderr.write(
    `wrote bench/results/${base}.md and ${base}.json (${wallSeconds.toFixed(0)} s)\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:gateway: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
