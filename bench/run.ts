/**
 * `npm run bench`: runs the same graphs through Conclave and @langchain/langgraph, one child
 * process per cell (scenario x saver x engine), then prints one table of medians and ratios,
 * the raw SQLite floor and the targets, and writes the markdown report.
 *
 * Usage: node --expose-gc bench/run.ts [--quick] [--only chain,loop] [--engine langgraph]
 *   --quick   small sizes and few repetitions (the CI smoke run, under a minute)
 *   --only    run only these scenarios (chain, fanout, loop, messages)
 *   --engine  run only this engine; without it, an engine that fails to load is an error
 *   --saver   run only these savers (none, memory, sqlite, sqlite-sync)
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { CellResult, CellSpec, GraphCell, GraphResult, Variant } from "./cells.ts";
import { VARIANTS } from "./cells.ts";
import { ENGINE_LABELS, ENGINE_NAMES, type EngineName, loadEngine } from "./engines.ts";
import { describeMachine, loadLine, machineLines } from "./machine.ts";
import { footnotes } from "./notes.ts";
import {
  FULL_SIZES,
  QUICK_SIZES,
  SCENARIO_NAMES,
  type ScenarioName,
  type ScenarioSizes,
} from "./scenarios.ts";
import type { FloorResult, SyncLevel } from "./sqlite-floor.ts";
import {
  comparisonRows,
  indexResults,
  mergeFloors,
  mergeRounds,
  renderMarkdown,
  renderText,
} from "./table.ts";
import { evaluateTargets, floorRatios, referenceLines } from "./targets.ts";

interface Options {
  quick: boolean;
  scenarios: ScenarioName[];
  engines: EngineName[];
  variants: Variant[];
  explicitEngine: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      engine: { type: "string" },
      saver: { type: "string" },
    },
  });
  const pick = <T extends string>(
    raw: string | undefined,
    all: readonly T[],
    flag: string,
  ): T[] => {
    if (raw === undefined) return [...all];
    const names = raw.split(",").map((s) => s.trim());
    const bad = names.filter((n) => !(all as readonly string[]).includes(n));
    if (bad.length > 0)
      throw new Error(`--${flag} ${bad.join(",")}: expected one of ${all.join(", ")}`);
    return names as T[];
  };
  return {
    quick: values.quick ?? false,
    scenarios: pick(values.only, SCENARIO_NAMES, "only"),
    engines: pick(values.engine, ENGINE_NAMES, "engine"),
    variants: pick(values.saver, VARIANTS, "saver"),
    explicitEngine: values.engine !== undefined,
  };
}

/**
 * Repetitions per child. Decision: time-boxed reps (at least `minReps`, more while under
 * `budgetMs`) bound the run on 2 cores. One child per cell with 9 reps / 5 s took 228 s, but
 * on this shared machine a burst of other load hit one engine's cell and not the other's,
 * moving single ratios by 2x between runs. So each cell now runs in `ROUNDS` children spread
 * over the whole run, engines alternating first, and their samples are pooled: the same
 * total reps, with background noise shared by both engines. The long thread gets one rep per
 * round: one LangGraph SQLite thread takes ~30 s.
 */
const ROUNDS = 3;

function repsFor(
  scenario: ScenarioName,
  quick: boolean,
): Omit<GraphCell, "kind" | "engine" | "scenario" | "variant" | "sizes"> {
  if (quick) return { warmup: 1, minReps: 2, maxReps: 3, budgetMs: 200 };
  if (scenario === "messages") return { warmup: 0, minReps: 1, maxReps: 4, budgetMs: 1000 };
  return { warmup: 1, minReps: 3, maxReps: 14, budgetMs: 1700 };
}

function planRound(options: Options, sizes: ScenarioSizes, round: number): CellSpec[] {
  const cells: CellSpec[] = [];
  const engines = round % 2 === 0 ? options.engines : [...options.engines].reverse();
  for (const scenario of options.scenarios) {
    for (const variant of options.variants) {
      // The long thread's bytes do not depend on durability, and LangGraph's takes ~30 s a run.
      if (scenario === "messages" && variant === "sqlite-sync") continue;
      for (const engine of engines) {
        const reps = repsFor(scenario, options.quick);
        cells.push({ kind: "graph", engine, scenario, variant, sizes, ...reps });
      }
    }
  }
  const sqlite = options.variants.some((v) => v.startsWith("sqlite"));
  if (sqlite && options.scenarios.includes("messages") && options.engines.includes("langgraph")) {
    const reps = repsFor("messages", options.quick);
    const cell = { engine: "langgraph", scenario: "messages", variant: "sqlite" } as const;
    cells.push({ kind: "graph", ...cell, sizes, ...reps, deltaChannel: true });
  }
  const levels: SyncLevel[] = sqlite ? ["NORMAL", "FULL"] : [];
  for (const synchronous of levels) {
    const count = options.quick ? 300 : synchronous === "NORMAL" ? 2000 : 400;
    cells.push({ kind: "floor", synchronous, count });
  }
  return cells;
}

function planCells(options: Options, sizes: ScenarioSizes): CellSpec[] {
  const rounds = options.quick ? 1 : ROUNDS;
  return Array.from({ length: rounds }, (_, round) => planRound(options, sizes, round)).flat();
}

const childPath = fileURLToPath(new URL("./child.ts", import.meta.url));

/** Runs one cell in a fresh Node process; resolves with its JSON line, or an error result. */
function runChild(spec: CellSpec, timeoutMs: number): Promise<CellResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--expose-gc", childPath, JSON.stringify(spec)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split("\n").at(-1) ?? "";
      try {
        resolve(JSON.parse(last) as CellResult);
      } catch {
        const why = signal ? `killed by ${signal}` : `exit code ${code}`;
        resolve({ kind: "error", message: `child ${why}: ${stderr.trim().slice(-2000)}` });
      }
    });
  });
}

function cellName(spec: CellSpec): string {
  return spec.kind === "floor"
    ? `raw SQLite insert-commit, synchronous=${spec.synchronous}`
    : `${spec.scenario}/${spec.variant}/${spec.engine}${spec.deltaChannel ? " (DeltaChannel reference)" : ""}`;
}

async function checkEngines(options: Options): Promise<EngineName[]> {
  const usable: EngineName[] = [];
  for (const name of options.engines) {
    try {
      await loadEngine(
        name,
        options.variants.some((v) => v.startsWith("sqlite")),
      );
      usable.push(name);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (!options.explicitEngine) {
        throw new Error(
          `${ENGINE_LABELS[name]} cannot be benchmarked: ${reason}. Pass --engine to run one engine.`,
        );
      }
    }
  }
  return usable;
}

interface RunOutcome {
  graphs: GraphResult[];
  floors: FloorResult[];
  errors: string[];
}

async function runAll(cells: CellSpec[], quick: boolean): Promise<RunOutcome> {
  const outcome: RunOutcome = { graphs: [], floors: [], errors: [] };
  const width = String(cells.length).length;
  for (const [i, spec] of cells.entries()) {
    const label = `[${String(i + 1).padStart(width)}/${cells.length}] ${cellName(spec)}`;
    const t0 = performance.now();
    const result = await runChild(spec, quick ? 60_000 : 300_000);
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    if (result.kind === "graph") outcome.graphs.push(result);
    else if (result.kind === "floor") outcome.floors.push(result);
    else outcome.errors.push(`${cellName(spec)}: ${result.message}`);
    process.stderr.write(`${label} ${result.kind === "error" ? "FAILED" : "ok"} ${seconds} s\n`);
  }
  return outcome;
}

/**
 * Biome checks markdown and JSON too, so the reports go through the repo's formatter; then a
 * committed report keeps `npm run lint` green. Skipped when Biome is not installed.
 */
function formatWithBiome(files: string[]): void {
  const biome = fileURLToPath(new URL("../node_modules/@biomejs/biome/bin/biome", import.meta.url));
  if (!existsSync(biome)) return;
  spawnSync(process.execPath, [biome, "format", "--write", ...files], { stdio: "ignore" });
}

function commandLine(argv: string[]): string {
  const args = argv.join(" ");
  if (process.env.npm_lifecycle_event === "bench")
    return `npm run bench${args ? ` -- ${args}` : ""}`;
  return `node --expose-gc bench/run.ts${args ? ` ${args}` : ""}`;
}

/**
 * Phases: parse flags, check the engines load, run every cell in its own child, then render
 * the table, the floor, the targets and the notes to stdout and to bench/results/.
 */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseOptions(argv);
  const engines = await checkEngines(options);
  const sizes = options.quick ? QUICK_SIZES : FULL_SIZES;
  const machine = describeMachine();
  const loadAtStart = os.loadavg()[0] ?? 0;
  const started = performance.now();
  const outcome = await runAll(planCells({ ...options, engines }, sizes), options.quick);
  const wallSeconds = (performance.now() - started) / 1000;
  const load = loadLine(machine.cores, loadAtStart, os.loadavg()[0] ?? 0);

  const pooled = mergeRounds(outcome.graphs);
  const graphs = pooled.filter((r) => !r.cell.deltaChannel);
  const reference = pooled.find((r) => r.cell.deltaChannel);
  const index = indexResults(graphs);
  const rows = comparisonRows(index, options.scenarios, options.variants);
  const floors = mergeFloors(outcome.floors);
  const floor = floors.find((f) => f.synchronous === "NORMAL");
  const floorLines = floors.map(
    (f) =>
      `Raw SQLite insert-commit (WAL, synchronous=${f.synchronous}, ${f.rowBytes}-byte row, autocommit): ` +
      `median ${f.medianUs.toFixed(1)} µs (p10 ${f.p10Us.toFixed(1)}, p90 ${f.p90Us.toFixed(1)}, n=${f.n})`,
  );
  const ratioLines = [
    ...floorRatios(index, options.scenarios, floor),
    ...referenceLines(index, reference),
  ];
  const targets = evaluateTargets(index, floor).map((t) => `${t.status}  ${t.text}`);
  const notes = footnotes({
    outcome: graphs,
    sizes,
    quick: options.quick,
    engines,
    wallSeconds,
    rounds: options.quick ? 1 : ROUNDS,
  });
  const errors = outcome.errors.map((e) => `ERROR ${e}`);

  const command = commandLine(argv);
  const title = options.quick ? "Benchmark (quick smoke run)" : "Benchmark";
  const text = [
    title,
    "",
    load,
    "",
    renderText(rows),
    "",
    ...floorLines,
    ...ratioLines,
    "",
    "Targets:",
    ...targets,
    "",
    ...notes.map((n) => `* ${n}`),
    ...errors,
  ];
  process.stdout.write(`${text.join("\n")}\n`);

  const markdown = [
    `## ${title}`,
    "",
    ...machineLines(machine, command),
    `- ${load}`,
    "",
    renderMarkdown(rows),
    "",
    ...[...floorLines, ...ratioLines].map((l) => `- ${l}`),
    "",
    "Targets:",
    "",
    ...targets.map((t) => `- ${t}`),
    "",
    ...notes.map((n, i) => `${i + 1}. ${n}`),
    ...(errors.length > 0 ? ["", ...errors.map((e) => `- ${e}`)] : []),
  ];
  const dir = new URL("./results/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  const base = options.quick ? "quick" : "latest";
  const files = [new URL(`${base}.md`, dir), new URL(`${base}.json`, dir)].map((url) =>
    fileURLToPath(url),
  );
  writeFileSync(files[0]!, `${markdown.join("\n")}\n`);
  writeFileSync(
    files[1]!,
    `${JSON.stringify({ machine, command, cells: graphs, reference, floors }, null, 2)}\n`,
  );
  formatWithBiome(files);
  process.stderr.write(
    `wrote bench/results/${base}.md and ${base}.json (${wallSeconds.toFixed(0)} s)\n`,
  );
  if (errors.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
