/**
 * The issue's performance targets, evaluated on one run's results. Each target becomes one
 * PASS / MISS / SKIP line that names the figures it compared. Pure: no I/O.
 */
import type { GraphResult, Variant } from "./cells.ts";
import type { ScenarioName } from "./scenarios.ts";
import type { FloorResult } from "./sqlite-floor.ts";
import { cellKey, fmtBytes, fmtNum, type ResultIndex } from "./table.ts";

/** Conclave must be at least this many times faster per step on the chain and the loop. */
export const SPEEDUP_TARGET = 25;
/** A SQLite-checkpointed Conclave step may cost at most this many raw insert-commits. */
export const FLOOR_TARGET = 3;
/** Conclave's long thread may store at most this share of LangGraph's checkpoint bytes. */
export const BYTES_TARGET = 0.05;

/** One evaluated target. */
export interface TargetLine {
  status: "PASS" | "MISS" | "SKIP";
  text: string;
}

const SPEED_SCENARIOS: ScenarioName[] = ["chain", "loop"];
const SPEED_VARIANTS: Variant[] = ["none", "memory", "sqlite", "sqlite-sync"];

function verdict(ok: boolean | undefined): TargetLine["status"] {
  return ok === undefined ? "SKIP" : ok ? "PASS" : "MISS";
}

function speedTargets(index: ResultIndex): TargetLine[] {
  return SPEED_SCENARIOS.flatMap((scenario) =>
    SPEED_VARIANTS.map((variant) => {
      const c = index.get(cellKey(scenario, variant, "conclave"));
      const lg = index.get(cellKey(scenario, variant, "langgraph"));
      const ratio = c && lg ? lg.medianUs / c.medianUs : undefined;
      return {
        status: verdict(ratio === undefined ? undefined : ratio >= SPEEDUP_TARGET),
        text:
          `${scenario}/${variant}: LangGraph ${fmtNum(lg?.medianUs)} µs/step ÷ Conclave ` +
          `${fmtNum(c?.medianUs)} µs/step = ${fmtNum(ratio)}x (target ≥ ${SPEEDUP_TARGET}x)`,
      };
    }),
  );
}

function floorTargets(index: ResultIndex, floor: FloorResult | undefined): TargetLine[] {
  const variants: Variant[] = ["sqlite", "sqlite-sync"];
  return SPEED_SCENARIOS.flatMap((scenario) =>
    variants.map((variant) => {
      const c = index.get(cellKey(scenario, variant, "conclave"));
      const ratio = c && floor ? c.medianUs / floor.medianUs : undefined;
      return {
        status: verdict(ratio === undefined ? undefined : ratio <= FLOOR_TARGET),
        text:
          `${scenario}/${variant}: Conclave ${fmtNum(c?.medianUs)} µs/step ÷ raw insert-commit ` +
          `${fmtNum(floor?.medianUs)} µs = ${fmtNum(ratio)}x (target ≤ ${FLOOR_TARGET}x)`,
      };
    }),
  );
}

function bytesTarget(index: ResultIndex): TargetLine {
  const c = index.get(cellKey("messages", "sqlite", "conclave"))?.bytesPerStep;
  const lg = index.get(cellKey("messages", "sqlite", "langgraph"))?.bytesPerStep;
  const share = c !== undefined && lg ? c / lg : undefined;
  const percent = share === undefined ? "–" : `${fmtNum(share * 100)}%`;
  return {
    status: verdict(share === undefined ? undefined : share <= BYTES_TARGET),
    text:
      `messages/sqlite: Conclave ${fmtBytes(c)}/step = ${percent} of LangGraph's ` +
      `${fmtBytes(lg)}/step (target ≤ ${BYTES_TARGET * 100}%)`,
  };
}

/** Every target, in the issue's order. Pure. */
export function evaluateTargets(index: ResultIndex, floor: FloorResult | undefined): TargetLine[] {
  return [...speedTargets(index), ...floorTargets(index, floor), bytesTarget(index)];
}

/**
 * "Conclave SQLite µs/step ÷ raw insert-commit µs" for every scenario that ran, plus
 * LangGraph's for reference. Pure.
 */
export function floorRatios(
  index: ResultIndex,
  scenarios: readonly ScenarioName[],
  floor: FloorResult | undefined,
): string[] {
  if (!floor) return [];
  const variants: Variant[] = ["sqlite", "sqlite-sync"];
  return (["conclave", "langgraph"] as const).flatMap((engine) =>
    variants.map((variant) => {
      const parts = scenarios.map((scenario) => {
        const r = index.get(cellKey(scenario, variant, engine));
        return `${scenario} ${r ? `${fmtNum(r.medianUs / floor.medianUs)}x` : "–"}`;
      });
      const label = engine === "conclave" ? "Conclave" : "LangGraph (reference)";
      return `${label} ${variant} µs/step ÷ raw insert-commit µs: ${parts.join(", ")}`;
    }),
  );
}

/**
 * The line for LangGraph's opt-in DeltaChannel on the long thread: not a target (it needs
 * code changes and is beta), but the fairest LangGraph figure for checkpoint bytes. Pure.
 */
export function referenceLines(index: ResultIndex, reference: GraphResult | undefined): string[] {
  if (!reference) return [];
  const c = index.get(cellKey("messages", "sqlite", "conclave"));
  const share =
    c?.bytesPerStep !== undefined && reference.bytesPerStep
      ? `; Conclave's default stores ${fmtNum((c.bytesPerStep / reference.bytesPerStep) * 100)}% of that`
      : "";
  return [
    `Reference, not a target: LangGraph messages/sqlite with its opt-in beta DeltaChannel on \`messages\`: ` +
      `${fmtNum(reference.medianUs)} µs/step, ${fmtBytes(reference.bytesPerStep)}/step, ` +
      `peak RSS ${Math.round(reference.peakRssMB)} MB (n=${reference.n})${share}`,
  ];
}
