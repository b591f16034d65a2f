/**
 * Runs one cell of the benchmark (scenario x variant x engine, or one raw SQLite floor) in
 * this process and prints its result as one JSON line on stdout. `run.ts` starts one child
 * per cell so that peak RSS and JIT state are the cell's own.
 *
 * Usage: node --expose-gc bench/child.ts '<CellSpec as JSON>'
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CellResult, CellSpec, GraphCell, GraphResult, Variant } from "./cells.ts";
import {
  type Engine,
  loadEngine,
  saverStatsBytes,
  saverSynchronous,
  sqliteFileBytes,
  walkBytes,
} from "./engines.ts";
import type { CompiledGraph, InvokeConfig, Scenario } from "./scenarios.ts";
import { QUICK_SIZES, scenarioFor } from "./scenarios.ts";
import { measureInsertCommit, quantile } from "./sqlite-floor.ts";

interface Cell {
  graph: CompiledGraph;
  saver: object | undefined;
  file: string | undefined;
}

function makeCell(engine: Engine, scenario: Scenario, variant: Variant, dir: string): Cell {
  const file = isSqlite(variant) ? join(dir, "checkpoints.db") : undefined;
  const saver =
    variant === "memory"
      ? new engine.lib.MemorySaver()
      : file
        ? engine.sqliteSaver(file)
        : undefined;
  return { graph: scenario.build(engine.lib, saver), saver, file };
}

const isSqlite = (variant: Variant) => variant === "sqlite" || variant === "sqlite-sync";

async function runOnce(
  scenario: Scenario,
  graph: CompiledGraph,
  threadId: string,
  variant: Variant,
): Promise<number> {
  const config: InvokeConfig = {
    configurable: { thread_id: threadId },
    recursionLimit: scenario.recursionLimit,
    durability: variant === "sqlite-sync" ? "sync" : "async",
  };
  const t0 = performance.now();
  const output = await graph.invoke(scenario.input(), config);
  const ms = performance.now() - t0;
  scenario.check(output);
  return ms;
}

async function storedBytes(cell: Cell): Promise<{ bytes?: number; stats?: number }> {
  if (!cell.saver) return {};
  const stats = await saverStatsBytes(cell.saver);
  const bytes = cell.file ? sqliteFileBytes(cell.file) : walkBytes(cell.saver);
  return { bytes, stats };
}

type Calls = { puts: number; writes: number; batches: number };

/**
 * Counts the saver's `put`, `putWrites` and (Conclave) `batch` calls: both engines' loops go
 * through them, so the counts show whether they stored the same steps, in how many commits.
 */
function countCalls(saver: object | undefined): Calls {
  const counts: Calls = { puts: 0, writes: 0, batches: 0 };
  const target = saver as Record<string, unknown> | undefined;
  for (const [method, key] of [
    ["put", "puts"],
    ["putWrites", "writes"],
    ["batch", "batches"],
  ] as const) {
    const original = target?.[method];
    if (typeof original !== "function") continue;
    target![method] = function (this: unknown, ...args: unknown[]) {
      counts[key]++;
      return original.apply(this, args);
    };
  }
  return counts;
}

const collect = (globalThis as { gc?: () => void }).gc ?? (() => {});
const perStep = (after: number | undefined, before: number | undefined, steps: number) =>
  after === undefined || before === undefined ? undefined : (after - before) / steps;

type Stored = { bytes?: number; stats?: number };

/**
 * SQLite cells compare file growth on both engines (one method for both sides); a memory
 * saver's own `stats()` beats walking it, since a walk cannot tell shared values apart.
 */
function chooseBytes(
  variant: Variant,
  before: Stored,
  after: Stored,
  steps: number,
): Pick<GraphResult, "bytesPerStep" | "bytesMethod"> {
  if (variant === "none") return {};
  if (variant === "memory" && after.stats !== undefined) {
    return { bytesPerStep: perStep(after.stats, before.stats, steps), bytesMethod: "stats()" };
  }
  const bytesMethod = isSqlite(variant) ? "file" : "walk";
  return { bytesPerStep: perStep(after.bytes, before.bytes, steps), bytesMethod };
}

/**
 * Phases: load the engine, build the graph and saver, warm up (one quick-size run, then
 * `warmup` full runs), then time runs on fresh threads until the rep count and budget are met.
 * Bytes and call counts are the growth over the last timed run; a memory saver drops each
 * run's thread afterwards so RSS reflects one thread, not all of them.
 */
async function runGraphCell(spec: GraphCell): Promise<GraphResult> {
  const engine = await loadEngine(spec.engine, isSqlite(spec.variant));
  const loadRssMB = process.memoryUsage().rss / 2 ** 20;
  const scenario = scenarioFor(spec.scenario, spec.sizes, spec.deltaChannel);
  const dir = mkdtempSync(join(tmpdir(), `conclave-bench-${spec.engine}-`));
  try {
    const cell = makeCell(engine, scenario, spec.variant, dir);
    const calls = countCalls(cell.saver);
    const warm = scenarioFor(spec.scenario, QUICK_SIZES, spec.deltaChannel);
    await runOnce(warm, warm.build(engine.lib, cell.saver), "warm-quick", spec.variant);
    for (let i = 0; i < spec.warmup; i++)
      await runOnce(scenario, cell.graph, `warm-${i}`, spec.variant);
    const samplesUs: number[] = [];
    let spentMs = 0;
    let last = { before: {} as Stored, after: {} as Stored, calls: { ...calls } };
    const more = () =>
      samplesUs.length < spec.minReps ||
      (samplesUs.length < spec.maxReps && spentMs < spec.budgetMs);
    while (more()) {
      const threadId = `run-${samplesUs.length}`;
      const before = await storedBytes(cell);
      const startCalls = { ...calls };
      collect();
      const ms = await runOnce(scenario, cell.graph, threadId, spec.variant);
      spentMs += ms;
      samplesUs.push((ms * 1000) / scenario.steps);
      const after = await storedBytes(cell);
      const runCalls = {
        puts: calls.puts - startCalls.puts,
        writes: calls.writes - startCalls.writes,
        batches: calls.batches - startCalls.batches,
      };
      last = { before, after, calls: runCalls };
      const saver = cell.saver as { deleteThread?: (id: string) => Promise<void> } | undefined;
      if (spec.variant === "memory") await saver?.deleteThread?.(threadId);
    }
    const sorted = [...samplesUs].sort((a, b) => a - b);
    return {
      kind: "graph",
      cell: spec,
      steps: scenario.steps,
      n: samplesUs.length,
      medianUs: quantile(sorted, 0.5),
      samplesUs,
      peakRssMB: process.resourceUsage().maxRSS / 1024,
      loadRssMB,
      ...chooseBytes(spec.variant, last.before, last.after, scenario.steps),
      statsBytesPerStep: perStep(last.after.stats, last.before.stats, scenario.steps),
      putsPerRun: cell.saver ? last.calls.puts : undefined,
      putWritesPerRun: cell.saver ? last.calls.writes : undefined,
      batchesPerRun: cell.saver ? last.calls.batches : undefined,
      synchronous: cell.saver && cell.file ? saverSynchronous(cell.saver) : undefined,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? "null") as CellSpec | null;
  if (!spec) throw new Error("usage: node bench/child.ts '<CellSpec JSON>'");
  const result: CellResult =
    spec.kind === "floor"
      ? { kind: "floor", ...measureInsertCommit(spec.synchronous, spec.count) }
      : await runGraphCell(spec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stdout.write(`${JSON.stringify({ kind: "error", message })}\n`);
  process.exitCode = 1;
});
