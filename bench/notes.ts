/**
 * The report's footnotes: what each figure means, how it was measured, and what was done to
 * make both engines do the same work. Pure: no I/O.
 */
import type { GraphResult, Variant } from "./cells.ts";
import { ENGINE_LABELS, type EngineName } from "./engines.ts";
import { SCENARIO_NAMES, type ScenarioSizes, scenarioFor } from "./scenarios.ts";
import { fmtBytes } from "./table.ts";

/** What the footnotes are written from. */
export interface NotesInput {
  outcome: GraphResult[];
  sizes: ScenarioSizes;
  quick: boolean;
  engines: EngineName[];
  wallSeconds: number;
  /** Child processes per cell, spread over the run. */
  rounds: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

function byEngine(outcome: GraphResult[], engine: EngineName, variant?: Variant): GraphResult[] {
  return outcome.filter(
    (r) => r.cell.engine === engine && (!variant || r.cell.variant === variant),
  );
}

/**
 * "chain 202+0 in 4 txns / 202+201, ...": `put` + `putWrites` calls per run of the `variant`
 * cells, Conclave / LangGraph, and Conclave's `batch` transactions, so a reader sees whether
 * both stored the same steps and in how many commits.
 */
function saverCalls(outcome: GraphResult[], variant: Variant): string {
  return SCENARIO_NAMES.flatMap((scenario) => {
    const calls = (engine: EngineName) => {
      const r = outcome.find(
        (r) =>
          r.cell.scenario === scenario && r.cell.variant === variant && r.cell.engine === engine,
      );
      if (r?.putsPerRun === undefined) return "–";
      const txns = r.batchesPerRun ? ` in ${r.batchesPerRun} txns` : "";
      return `${r.putsPerRun}+${r.putWritesPerRun ?? "?"}${txns}`;
    };
    const [c, lg] = [calls("conclave"), calls("langgraph")];
    return c === "–" && lg === "–" ? [] : [`${scenario} ${c} / ${lg}`];
  }).join(", ");
}

function synchronousLevels(input: NotesInput): string {
  return input.engines
    .map((engine) => {
      const seen = new Set(
        byEngine(input.outcome, engine, "sqlite").map((r) => r.synchronous ?? "not visible"),
      );
      return `${ENGINE_LABELS[engine]} ${[...seen].join("/") || "–"}`;
    })
    .join(", ");
}

function messagesNote(input: NotesInput): string {
  const lg = input.outcome.find(
    (r) =>
      r.cell.scenario === "messages" &&
      r.cell.variant === "sqlite" &&
      r.cell.engine === "langgraph",
  );
  const total =
    lg?.bytesPerStep === undefined ? "" : ` (${fmtBytes(lg.bytesPerStep * lg.steps)} per thread)`;
  return (
    `messages: one invoke whose node appends one 1 KB message (random text, so compression cannot help) ` +
    `per iteration, ${input.sizes.messages} iterations, so each step writes exactly one checkpoint of a ` +
    `thread that grows by one message. LangGraph ran the full thread${total}: its bytes are measured, ` +
    `not extrapolated.`
  );
}

/** The numbered notes under the table. Pure. */
export function footnotes(input: NotesInput): string[] {
  const steps = SCENARIO_NAMES.map(
    (name) => `${name}: ${scenarioFor(name, input.sizes).describe}`,
  ).join("; ");
  const loadRss = input.engines
    .map(
      (e) =>
        `${ENGINE_LABELS[e]} ~${Math.round(median(byEngine(input.outcome, e).map((r) => r.loadRssMB)) ?? 0)} MB`,
    )
    .join(", ");
  const notes = [
    `Steps: ${steps}.`,
    "µs/step: median over n timed runs (each one `await graph.invoke()` on a fresh thread, after an untimed " +
      "quick-size run and a warm-up run, with a forced GC before each), divided by the steps of a run. " +
      (input.rounds > 1
        ? `Each cell ran in ${input.rounds} child processes spread over the whole run, engines alternating ` +
          "first, and their runs are pooled. "
        : "Each cell ran in its own child process. ") +
      "LG/C = LangGraph ÷ Conclave: above 1x, Conclave is faster or smaller.",
    "Both engines run the same graph code (bench/scenarios.ts) built from their own module, with the same " +
      'state, input and `recursionLimit`, and `durability: "async"` (LangGraph\'s default) except in the ' +
      'sqlite-sync rows, which pass `durability: "sync"` to both; every run\'s final state is checked.',
    `Saver calls per run, \`put\`+\`putWrites\`, Conclave / LangGraph — sqlite: ${saverCalls(input.outcome, "sqlite")}; ` +
      `sqlite-sync: ${saverCalls(input.outcome, "sqlite-sync")}. Conclave skips \`putWrites\` for the last task ` +
      "of a superstep (the checkpoint right after it carries its writes), and under async durability commits " +
      "up to 64 queued saver calls in one transaction (`batch`); LangGraph commits every call on its own.",
    "Savers: none; each library's own MemorySaver; SQLite: each library's `SqliteSaver.fromConnString(file)` " +
      "on a fresh temp file per cell (WAL mode in both). " +
      `PRAGMA synchronous seen on the savers' connections: ${synchronousLevels(input)}. The raw ` +
      "insert-commit uses WAL with synchronous=NORMAL, as the Conclave saver does (and FULL for comparison).",
    `Peak RSS: maxRSS of the cell's own child process, including loading the engine (${loadRss} right after import).`,
    "ckpt B/step: growth over the last timed run ÷ its steps. SQLite: db + wal size after " +
      "`wal_checkpoint(TRUNCATE)`, the same method for both engines (includes indexes and page slack). " +
      "Memory: the saver's `stats()` bytes when it has one, else the bytes of serialized data reachable from it.",
    messagesNote(input),
    "LangGraph 1.7 also has an opt-in, beta `DeltaChannel` that stores reducer writes instead of whole " +
      "values (a full snapshot every 100 updates). The table uses plain `Annotation` reducers, as LangGraph " +
      "code usually does; the reference line above runs the long thread with `DeltaChannel` on `messages`.",
    `Wall time of all cells: ${input.wallSeconds.toFixed(0)} s.`,
  ];
  if (input.quick) {
    notes.unshift(
      "QUICK run: small sizes and 2-3 repetitions, a smoke test; its ratios are not the benchmark.",
    );
  }
  return notes;
}
