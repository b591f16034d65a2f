/**
 * Turns the gateway bench's measurements into table rows, attribution lines and target
 * verdicts. Pure: no I/O.
 */
import type { AccuracyResult } from "./gateway-accuracy.ts";
import { picoToUsd } from "./gateway-expected.ts";
import {
  type Backend,
  type Measured,
  MODES,
  type Samples,
  VARIANTS,
  type Variant,
} from "./gateway-overhead.ts";
import { bootstrapMedianDiff, pairedMedianDiff, summarize } from "./gateway-stats.ts";

/** The target: the gateway's median overhead per call, in ms. */
export const OVERHEAD_TARGET_MS = 0.2;

/** One variant's timings and its overhead over the direct call. */
export interface OverheadRow {
  backend: Backend;
  mode: (typeof MODES)[number];
  variant: Variant;
  medianMs: number;
  p90Ms: number;
  n: number;
  /** median(variant) - median(direct), with a 95% bootstrap interval. */
  overheadMs?: number;
  ciMs?: { low: number; high: number };
  /** Median of per-round differences (variant - direct in the same round). */
  pairedMs?: number;
  /** This process's mean CPU per call, the deferred usage write included. */
  cpuMs: number;
  /** cpuMs(variant) - cpuMs(direct). */
  cpuOverheadMs?: number;
}

const mean = (values: readonly number[]) =>
  values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);

/** Summarises one backend's samples into rows, direct first. Pure (seeded bootstrap). */
export function overheadRows(backend: Backend, measured: Measured): OverheadRow[] {
  const rows: OverheadRow[] = [];
  for (const mode of MODES) {
    const direct = measured.wall[mode].direct;
    const base = summarize(direct);
    const baseCpu = mean(measured.cpu[mode].direct);
    for (const variant of VARIANTS) {
      const own = measured.wall[mode][variant];
      const s = summarize(own);
      const cpuMs = mean(measured.cpu[mode][variant]);
      const row: OverheadRow = {
        backend,
        mode,
        variant,
        medianMs: s.median,
        p90Ms: s.p90,
        n: s.n,
        cpuMs,
      };
      if (variant !== "direct") {
        row.overheadMs = s.median - base.median;
        row.ciMs = bootstrapMedianDiff(direct, own);
        row.pairedMs = pairedMedianDiff(direct, own);
        row.cpuOverheadMs = cpuMs - baseCpu;
      }
      rows.push(row);
    }
  }
  return rows;
}

const ms = (value: number | undefined) => (value === undefined ? "–" : value.toFixed(3));

const HEADER = [
  "backend",
  "call",
  "variant",
  "median ms",
  "p90 ms",
  "overhead ms",
  "95% CI ms",
  "paired ms",
  "CPU ms/call",
  "CPU overhead ms",
  "n",
];

/** Table rows (header first). Pure. */
export function tableRows(rows: OverheadRow[]): string[][] {
  return [
    HEADER,
    ...rows.map((r) => [
      r.backend,
      r.mode,
      r.variant,
      ms(r.medianMs),
      ms(r.p90Ms),
      ms(r.overheadMs),
      r.ciMs ? `${ms(r.ciMs.low)}..${ms(r.ciMs.high)}` : "–",
      ms(r.pairedMs),
      ms(r.cpuMs),
      ms(r.cpuOverheadMs),
      String(r.n),
    ]),
  ];
}

function find(rows: OverheadRow[], backend: Backend, mode: string, variant: Variant) {
  return rows.find((r) => r.backend === backend && r.mode === mode && r.variant === variant);
}

/**
 * Where the overhead goes, from differences between variants on one backend: routing, token
 * count and span (bare - direct), the SQLite ledger (ledger - bare), the SQLite budget
 * (full - ledger). Pure.
 */
export function attributionLines(rows: OverheadRow[], backend: Backend): string[] {
  return MODES.map((mode) => {
    const get = (v: Variant) => find(rows, backend, mode, v)?.medianMs ?? Number.NaN;
    const parts = [
      `gateway itself ${ms(get("gw-bare") - get("direct"))}`,
      `+ SQLite ledger ${ms(get("gw-ledger") - get("gw-bare"))}`,
      `+ SQLite budget ${ms(get("gw-full") - get("gw-ledger"))}`,
      `(synchronous=FULL instead of NORMAL: ${ms(get("gw-full-fsync") - get("gw-full"))};`,
      `memory stores instead of SQLite: ${ms(get("gw-memory") - get("gw-full"))})`,
    ];
    return `Attribution, ${backend} ${mode} (ms, differences of medians): ${parts.join(" ")}`;
  });
}

/** PASS/MISS lines for both targets. Pure. */
export function targetLines(rows: OverheadRow[], accuracy: AccuracyResult): string[] {
  const lines = MODES.map((mode) => {
    const row = find(rows, "http", mode, "gw-full");
    const overhead = row?.overheadMs ?? Number.NaN;
    return (
      `${overhead < OVERHEAD_TARGET_MS ? "PASS" : "MISS"}  Gateway overhead per call (${mode}, SQLite ledger + budget, HTTP fixture): ` +
      `median ${ms(overhead)} ms over the direct AI SDK call ` +
      `(95% CI ${ms(row?.ciMs?.low)}..${ms(row?.ciMs?.high)}, paired ${ms(row?.pairedMs)}); target < ${OVERHEAD_TARGET_MS} ms. ` +
      `CPU per call, the usage write after the call included: +${ms(row?.cpuOverheadMs)} ms`
    );
  });
  const diff = accuracy.ledgerPico - accuracy.expectedPico;
  const abs = diff < 0n ? -diff : diff;
  const exact = diff === 0n && accuracy.callMismatches === 0 && accuracy.tokenMismatches === 0;
  const verdict = exact ? "PASS" : abs < 10n ** 10n ? "PASS (within a cent, not exact)" : "MISS";
  lines.push(
    `${verdict}  Metering accuracy over ${accuracy.calls.toLocaleString("en-US")} calls: ledger ${picoToUsd(accuracy.ledgerPico)}, ` +
      `expected ${picoToUsd(accuracy.expectedPico)}, difference ${diff} pico-USD; ` +
      `${accuracy.callMismatches} calls and ${accuracy.tokenMismatches} deployments' token sums differ; target: equal to the cent`,
  );
  return lines;
}

/** The accuracy run's per-deployment rows (header first). Pure. */
export function accuracyRows(accuracy: AccuracyResult): string[][] {
  return [
    ["deployment", "calls", "streamed", "over 200k", "expected USD", "ledger USD", "diff pico"],
    ...accuracy.rows.map((r) => [
      r.deployment,
      String(r.calls),
      String(r.streamed),
      String(r.tierCalls),
      picoToUsd(r.expectedPico),
      picoToUsd(r.ledgerPico),
      String(r.ledgerPico - r.expectedPico),
    ]),
  ];
}

/** Rows as aligned text (`left` leading text columns, numbers right-aligned). Pure. */
export function renderText(rows: string[][], left: number): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? "").length)));
  const line = (row: string[]) =>
    row
      .map((c, col) => (col < left ? c.padEnd(widths[col]!) : c.padStart(widths[col]!)))
      .join("  ");
  return [
    line(rows[0]!),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...rows.slice(1).map(line),
  ].join("\n");
}

/** Rows as a GitHub markdown table (`left` leading text columns). Pure. */
export function renderMarkdown(rows: string[][], left: number): string {
  const widths = rows[0]!.map((_, col) => Math.max(3, ...rows.map((r) => (r[col] ?? "").length)));
  const pad = (c: string, col: number) =>
    col < left ? c.padEnd(widths[col]!) : c.padStart(widths[col]!);
  const line = (row: string[]) => `| ${row.map(pad).join(" | ")} |`;
  const align = widths.map((w, col) =>
    col < left ? `:${"-".repeat(w - 1)}` : `${"-".repeat(w - 1)}:`,
  );
  return [line(rows[0]!), `| ${align.join(" | ")} |`, ...rows.slice(1).map(line)].join("\n");
}

/**
 * The paired overhead over the first and the last fifth of the rounds (at most 200 each). The
 * router's circuit breaker and rate windows cover the last 60 s of calls; a cost that grew with
 * the calls in that window would show here as a rise from the first to the last rounds. Pure.
 */
export function driftLines(backend: Backend, samples: Samples): string[] {
  return MODES.map((mode) => {
    const direct = samples[mode].direct;
    const k = Math.min(200, Math.max(1, Math.floor(direct.length / 5)));
    const parts = (["gw-bare", "gw-full"] as const).map((v) => {
      const own = samples[mode][v];
      const first = pairedMedianDiff(direct.slice(0, k), own.slice(0, k));
      const last = pairedMedianDiff(direct.slice(-k), own.slice(-k));
      return `${v} ${ms(first)} -> ${ms(last)}`;
    });
    return `Overhead drift, ${backend} ${mode} (paired ms, first ${k} rounds -> last ${k} of ${direct.length}): ${parts.join("; ")}`;
  });
}
