/**
 * Turns cell results into the one comparison table, as aligned text for the terminal and as
 * markdown for the README. Pure: no I/O.
 */
import type { GraphResult, Variant } from "./cells.ts";
import type { EngineName } from "./engines.ts";
import type { ScenarioName } from "./scenarios.ts";
import { type FloorResult, quantile } from "./sqlite-floor.ts";

/** Results keyed by `scenario/variant/engine`. */
export type ResultIndex = Map<string, GraphResult>;

/** The key of one cell in a `ResultIndex`. Pure. */
export function cellKey(scenario: ScenarioName, variant: Variant, engine: EngineName): string {
  return `${scenario}/${variant}/${engine}`;
}

/** Indexes graph results by cell. Pure. */
export function indexResults(results: GraphResult[]): ResultIndex {
  return new Map(results.map((r) => [cellKey(r.cell.scenario, r.cell.variant, r.cell.engine), r]));
}

const roundKey = (r: GraphResult) =>
  `${cellKey(r.cell.scenario, r.cell.variant, r.cell.engine)}${r.cell.deltaChannel ? "/delta" : ""}`;

/**
 * Pools the rounds of each cell: samples concatenated (median and n over all of them), peak
 * RSS the highest, bytes and saver calls from the last round (they do not vary by round).
 * Pure; keeps first-seen order.
 */
export function mergeRounds(results: GraphResult[]): GraphResult[] {
  const groups = new Map<string, GraphResult[]>();
  for (const r of results) groups.set(roundKey(r), [...(groups.get(roundKey(r)) ?? []), r]);
  return [...groups.values()].map((rounds) => {
    const samplesUs = rounds.flatMap((r) => r.samplesUs);
    const sorted = [...samplesUs].sort((a, b) => a - b);
    return {
      ...rounds.at(-1)!,
      samplesUs,
      n: samplesUs.length,
      medianUs: quantile(sorted, 0.5),
      peakRssMB: Math.max(...rounds.map((r) => r.peakRssMB)),
      loadRssMB: quantile(
        rounds.map((r) => r.loadRssMB).sort((a, b) => a - b),
        0.5,
      ),
    };
  });
}

/** Pools the floor's rounds per `synchronous` level; the pooled samples are dropped. Pure. */
export function mergeFloors(results: FloorResult[]): FloorResult[] {
  const levels = [...new Set(results.map((f) => f.synchronous))];
  return levels.map((synchronous) => {
    const rounds = results.filter((f) => f.synchronous === synchronous);
    const sorted = rounds.flatMap((f) => f.samplesUs ?? []).sort((a, b) => a - b);
    return {
      synchronous,
      medianUs: quantile(sorted, 0.5),
      p10Us: quantile(sorted, 0.1),
      p90Us: quantile(sorted, 0.9),
      n: sorted.length,
      rowBytes: rounds[0]!.rowBytes,
    };
  });
}

/** A number with three significant digits, thousands kept whole: 0.123, 12.3, 4567. Pure. */
export function fmtNum(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "–";
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString("en-US");
  return value.toPrecision(3);
}

/** Bytes as B, KB, MB or GB (powers of 1024). Pure. */
export function fmtBytes(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "–";
  const units = ["B", "KB", "MB", "GB"];
  let v = value;
  let unit = 0;
  while (Math.abs(v) >= 1024 && unit < units.length - 1) {
    v /= 1024;
    unit++;
  }
  return `${unit === 0 ? Math.round(v) : v.toPrecision(3)} ${units[unit]}`;
}

/** `a / b` as "12.3x", or "–" when either side is missing. Pure. */
export function fmtRatio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !(b > 0) || !Number.isFinite(a)) return "–";
  return `${fmtNum(a / b)}x`;
}

const HEADER = [
  "scenario",
  "saver",
  "Conclave µs/step",
  "LangGraph µs/step",
  "LG/C time",
  "Conclave peak RSS",
  "LangGraph peak RSS",
  "Conclave ckpt B/step",
  "LangGraph ckpt B/step",
  "LG/C bytes",
  "n (C/LG)",
];

/** The table's rows (header first), one per scenario x saver, in the order given. Pure. */
export function comparisonRows(
  index: ResultIndex,
  scenarios: readonly ScenarioName[],
  variants: readonly Variant[],
): string[][] {
  const rows = [HEADER];
  for (const scenario of scenarios) {
    for (const variant of variants) {
      const c = index.get(cellKey(scenario, variant, "conclave"));
      const lg = index.get(cellKey(scenario, variant, "langgraph"));
      if (!c && !lg) continue;
      rows.push([
        scenario,
        variant,
        fmtNum(c?.medianUs),
        fmtNum(lg?.medianUs),
        fmtRatio(lg?.medianUs, c?.medianUs),
        c ? `${Math.round(c.peakRssMB)} MB` : "–",
        lg ? `${Math.round(lg.peakRssMB)} MB` : "–",
        fmtBytes(c?.bytesPerStep),
        fmtBytes(lg?.bytesPerStep),
        fmtRatio(lg?.bytesPerStep, c?.bytesPerStep),
        `${c?.n ?? "–"}/${lg?.n ?? "–"}`,
      ]);
    }
  }
  return rows;
}

const isLeftColumn = (column: number) => column < 2;

/** Rows as space-aligned text columns, text left and numbers right. Pure. */
export function renderText(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? "").length)));
  const line = (row: string[]) =>
    row
      .map((cell, col) =>
        isLeftColumn(col) ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!),
      )
      .join("  ");
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join("\n");
}

/** Rows as a GitHub markdown table, padded so it also reads as text; numbers right-aligned. Pure. */
export function renderMarkdown(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(3, ...rows.map((r) => (r[col] ?? "").length)));
  const pad = (cell: string, col: number) =>
    isLeftColumn(col) ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!);
  const line = (row: string[]) => `| ${row.map(pad).join(" | ")} |`;
  const align = widths.map((w, col) =>
    isLeftColumn(col) ? `:${"-".repeat(w - 1)}` : `${"-".repeat(w - 1)}:`,
  );
  return [line(rows[0]!), `| ${align.join(" | ")} |`, ...rows.slice(1).map(line)].join("\n");
}
