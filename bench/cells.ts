/**
 * The messages between the orchestrator (`run.ts`) and a child (`child.ts`): what cell to
 * run, and what it reports. Types only, plus the variant names.
 */
import type { EngineName } from "./engines.ts";
import type { ScenarioName, ScenarioSizes } from "./scenarios.ts";
import type { FloorResult, SyncLevel } from "./sqlite-floor.ts";

/**
 * Which checkpointer a cell runs with. All run with `durability: "async"` (LangGraph's
 * default) except `sqlite-sync`: the SQLite saver with `durability: "sync"`, where each step
 * waits for its checkpoint to commit, so no saver can batch steps into one transaction.
 */
export const VARIANTS = ["none", "memory", "sqlite", "sqlite-sync"] as const;
/** One of {@link VARIANTS}. */
export type Variant = (typeof VARIANTS)[number];

/** One graph cell: which engine runs which scenario with which saver, and how many times. */
export interface GraphCell {
  kind: "graph";
  engine: EngineName;
  scenario: ScenarioName;
  variant: Variant;
  sizes: ScenarioSizes;
  /** Untimed full-size runs before measuring (after one untimed quick-size run). */
  warmup: number;
  minReps: number;
  maxReps: number;
  /** Stop adding repetitions past `minReps` once measuring has taken this long. */
  budgetMs: number;
  /** LangGraph only: `messages` on its opt-in DeltaChannel (the reference cell). */
  deltaChannel?: boolean;
}

/** One raw insert-commit measurement. */
export interface FloorCell {
  kind: "floor";
  synchronous: SyncLevel;
  count: number;
}

/** What `child.ts` takes as its one argument, as JSON. */
export type CellSpec = GraphCell | FloorCell;

/** What a graph cell reports. Times are µs per step; bytes are per step of one run. */
export interface GraphResult {
  kind: "graph";
  cell: GraphCell;
  steps: number;
  n: number;
  medianUs: number;
  samplesUs: number[];
  peakRssMB: number;
  loadRssMB: number;
  /** Checkpoint bytes per step of the last run, measured as `bytesMethod` says. */
  bytesPerStep?: number;
  /**
   * `file`: growth of db+wal after a WAL checkpoint (both engines' SQLite cells); `stats()`:
   * the saver's own count (a Conclave memory saver); `walk`: bytes reachable from the saver.
   */
  bytesMethod?: "file" | "stats()" | "walk";
  /** `stats().bytes` growth per step, when the saver has `stats()`. */
  statsBytesPerStep?: number;
  /** `put` calls (checkpoints written) and `putWrites` calls in the last run. */
  putsPerRun?: number;
  putWritesPerRun?: number;
  /** `batch` calls (one transaction each) in the last run, for savers that batch. */
  batchesPerRun?: number;
  /** `PRAGMA synchronous` of the saver's connection, when visible. */
  synchronous?: string;
}

/** What `child.ts` prints as its last stdout line, as JSON. */
export type CellResult =
  | GraphResult
  | ({ kind: "floor" } & FloorResult)
  | { kind: "error"; message: string };
