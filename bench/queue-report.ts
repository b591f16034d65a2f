/**
 * Turns the queue bench's cell results into its three tables (throughput, enqueue-to-start
 * latency, HTTP overhead) and the PASS/MISS lines of the targets. Pure: no I/O.
 */

import {
  type CellResult,
  type CellSpec,
  type HttpResult,
  type LatencyResult,
  type LatencySummary,
  poolLatency,
  SYSTEM_LABELS,
  type SystemName,
  type ThroughputResult,
} from "./queue-stats.ts";
import { quantile } from "./sqlite-floor.ts";
import { fmtNum } from "./table.ts";

/** The targets. */
export const TARGETS = {
  /** Conclave on PostgreSQL with 2 workers, runs/s. */
  pgRunsPerSecond: 1_000,
  /** Conclave embedded on SQLite, runs/s. */
  sqliteRunsPerSecond: 2_000,
  /** HTTP submission over the in-process call, ms at p50. */
  httpOverheadMs: 1,
};

/** One finished cell: what was asked and what came back (or why it is missing). */
export interface CellOutcome {
  spec: CellSpec;
  round: number;
  result?: CellResult;
  missing?: string;
}

const throughputs = (cells: CellOutcome[], system: SystemName) =>
  cells
    .filter((c) => c.spec.system === system && c.result?.measure === "throughput")
    .map((c) => c.result as ThroughputResult);

/** The median of a system's throughput rounds, in jobs/s (undefined when none ran). */
export function throughputOf(cells: CellOutcome[], system: SystemName): number | undefined {
  const rates = throughputs(cells, system)
    .map((r) => r.perSecond)
    .sort((a, b) => a - b);
  return rates.length === 0 ? undefined : quantile(rates, 0.5);
}

/** A system's latency samples pooled over rounds (undefined when none ran). */
export function latencyOf(cells: CellOutcome[], system: SystemName): LatencySummary | undefined {
  const results = cells
    .filter((c) => c.spec.system === system && c.result?.measure === "latency")
    .map((c) => c.result as LatencyResult);
  return results.length === 0 ? undefined : poolLatency(results);
}

const TOPOLOGY: Partial<Record<SystemName, (spec: CellSpec) => string>> = {
  bullmq: (s) => `1 in-process worker x ${s.concurrency}`,
  graphile: (s) => `${s.workers} worker process(es) x ${s.concurrency}`,
  "conclave-sqlite": (s) => `1 in-process worker x ${s.concurrency}`,
  "conclave-sqlite-exit": (s) => `1 in-process worker x ${s.concurrency}`,
  "conclave-pg": (s) => `${s.workers} worker process(es) x ${s.concurrency}`,
  "conclave-pg-exit": (s) => `${s.workers} worker process(es) x ${s.concurrency}`,
};

const topology = (spec: CellSpec) => TOPOLOGY[spec.system]?.(spec) ?? "–";
const ms = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(2));
const rate = (v: number | undefined) => (v === undefined ? "–" : fmtNum(v));

/** The throughput table (header first): one row per cell round, anchors' ratios alongside. */
export function throughputRows(cells: CellOutcome[]): string[][] {
  const rows = [
    [
      "system",
      "workers",
      "jobs",
      "enqueue/s",
      "end-to-end jobs/s",
      "÷ graphile",
      "÷ BullMQ",
      "CPU ms/job: bench + server",
      "round",
    ],
  ];
  const graphile = throughputOf(cells, "graphile");
  const bullmq = throughputOf(cells, "bullmq");
  for (const cell of cells.filter((c) => c.spec.measure === "throughput")) {
    const r = cell.result as ThroughputResult | undefined;
    rows.push([
      SYSTEM_LABELS[cell.spec.system],
      topology(cell.spec),
      cell.missing ? "–" : String(cell.spec.n),
      r ? rate((r.n / r.enqueueMs) * 1000) : "–",
      r ? rate(r.perSecond) : `missing: ${cell.missing ?? "?"}`,
      ratio(r?.perSecond, graphile),
      ratio(r?.perSecond, bullmq),
      cpuOf(r),
      String(cell.round + 1),
    ]);
  }
  return rows;
}

/** The latency table (header first): one row per system, rounds pooled. */
export function latencyRows(cells: CellOutcome[]): string[][] {
  const rows = [["system", "worker", "p50 ms", "p90 ms", "p99 ms", "max ms", "n"]];
  const seen = new Set<SystemName>();
  for (const cell of cells.filter((c) => c.spec.measure === "latency")) {
    if (seen.has(cell.spec.system)) continue;
    seen.add(cell.spec.system);
    const s = latencyOf(cells, cell.spec.system);
    const missing = cells.find((c) => c.spec === cell.spec && c.missing)?.missing;
    rows.push([
      SYSTEM_LABELS[cell.spec.system],
      topology(cell.spec),
      s ? ms(s.p50) : `missing: ${missing ?? "?"}`,
      ms(s?.p90),
      ms(s?.p99),
      ms(s?.max),
      String(s?.n ?? "–"),
    ]);
  }
  return rows;
}

/** One route's HTTP overhead, from pooled samples. Pure. */
export function httpOverhead(result: HttpResult, route: "thread" | "stateless") {
  const r = result.routes.find((x) => x.route === route);
  if (!r) return undefined;
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const inProcess = sorted(r.inProcessMs);
  const http = sorted(r.httpMs);
  return {
    route,
    inP50: quantile(inProcess, 0.5),
    inP99: quantile(inProcess, 0.99),
    httpP50: quantile(http, 0.5),
    httpP99: quantile(http, 0.99),
    overheadP50: quantile(http, 0.5) - quantile(inProcess, 0.5),
    n: Math.min(inProcess.length, http.length),
    errors: r.errors,
  };
}

const ROUTE_LABELS = {
  thread: "POST /threads/{id}/runs (new thread)",
  stateless: "POST /runs (stateless)",
};

/** The HTTP table (header first). */
export function httpRows(cells: CellOutcome[]): string[][] {
  const rows = [
    [
      "route",
      "in-process p50 ms",
      "HTTP p50 ms",
      "overhead p50 ms",
      "in-process p99 ms",
      "HTTP p99 ms",
      "n",
      "non-2xx",
    ],
  ];
  for (const cell of cells.filter((c) => c.spec.measure === "http")) {
    if (!cell.result) {
      rows.push(["–", `missing: ${cell.missing ?? "?"}`, "–", "–", "–", "–", "–", "–"]);
      continue;
    }
    for (const route of ["thread", "stateless"] as const) {
      const o = httpOverhead(cell.result as HttpResult, route);
      if (!o) continue;
      rows.push([
        ROUTE_LABELS[route],
        ms(o.inP50),
        ms(o.httpP50),
        ms(o.overheadP50),
        ms(o.inP99),
        ms(o.httpP99),
        String(o.n),
        String(o.errors),
      ]);
    }
  }
  return rows;
}

/** "0.41 + 0.90" (bench processes + server; "–" for none), or "–". Pure. */
function cpuOf(r: ThroughputResult | undefined): string {
  const cpu = r?.cpuMsPerJob;
  if (!cpu) return "–";
  // Embedded SQLite has no server process; elsewhere undefined means no /proc to read.
  const server = cpu.server === undefined ? "–" : cpu.server.toFixed(2);
  return `${cpu.client.toFixed(2)} + ${server}`;
}

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !(b > 0)) return "–";
  return `${fmtNum(a / b)}x`;
}

const verdict = (ok: boolean | undefined) => (ok === undefined ? "n/a " : ok ? "PASS" : "MISS");

/** PASS/MISS lines for every target; "n/a" when a side is missing. Pure. */
export function targetLines(cells: CellOutcome[]): string[] {
  const pg = throughputOf(cells, "conclave-pg");
  const pgExit = throughputOf(cells, "conclave-pg-exit");
  const graphile = throughputOf(cells, "graphile");
  const sqlite = throughputOf(cells, "conclave-sqlite");
  const lines = [
    `${verdict(pg === undefined ? undefined : pg >= TARGETS.pgRunsPerSecond)}  Throughput, Conclave on PostgreSQL, 2 workers: ${rate(pg)} runs/s (target ≥ ${rate(TARGETS.pgRunsPerSecond)})`,
    `${verdict(pgExit === undefined || graphile === undefined ? undefined : pgExit >= graphile)}  Throughput, Conclave on PostgreSQL, exit durability: ${rate(pgExit)} runs/s = ${ratio(pgExit, graphile)} graphile-worker's ${rate(graphile)} jobs/s (target ≥ 1x)`,
    `${verdict(sqlite === undefined ? undefined : sqlite >= TARGETS.sqliteRunsPerSecond)}  Throughput, Conclave embedded on SQLite: ${rate(sqlite)} runs/s (target ≥ ${rate(TARGETS.sqliteRunsPerSecond)})`,
  ];
  lines.push(...latencyTargets(cells, "conclave-sqlite", "bullmq", "embedded on SQLite vs BullMQ"));
  lines.push(
    ...latencyTargets(
      cells,
      "conclave-pg",
      "graphile",
      "PostgreSQL, separate worker process, vs graphile-worker",
    ),
  );
  const http = pooledHttp(cells);
  for (const route of ["thread", "stateless"] as const) {
    const o = http && httpOverhead(http, route);
    if (!o) continue;
    lines.push(
      `${verdict(o.overheadP50 <= TARGETS.httpOverheadMs)}  HTTP overhead, ${ROUTE_LABELS[route]}: p50 ${ms(o.httpP50)} ms over HTTP vs ${ms(o.inP50)} ms in process = +${ms(o.overheadP50)} ms (target ≤ +${TARGETS.httpOverheadMs} ms)`,
    );
  }
  return lines;
}

/** Every round's HTTP samples in one result, for one verdict per route. Pure. */
function pooledHttp(cells: CellOutcome[]): HttpResult | undefined {
  const results = cells
    .filter((c) => c.spec.measure === "http" && c.result)
    .map((c) => c.result as HttpResult);
  if (results.length === 0) return undefined;
  const routes = (["thread", "stateless"] as const).flatMap((route) => {
    const rounds = results.flatMap((r) => r.routes.filter((x) => x.route === route));
    if (rounds.length === 0) return [];
    return [
      {
        route,
        inProcessMs: rounds.flatMap((x) => x.inProcessMs),
        httpMs: rounds.flatMap((x) => x.httpMs),
        errors: rounds.reduce((sum, x) => sum + x.errors, 0),
      },
    ];
  });
  return { measure: "http", routes, notes: [] };
}

function latencyTargets(
  cells: CellOutcome[],
  own: SystemName,
  anchor: SystemName,
  what: string,
): string[] {
  const c = latencyOf(cells, own);
  const a = latencyOf(cells, anchor);
  return (["p50", "p99"] as const).map((q) => {
    const ok = c === undefined || a === undefined ? undefined : c[q] <= a[q];
    return `${verdict(ok)}  Latency enqueue-to-start ${q}, ${what}: ${ms(c?.[q])} ms vs ${ms(a?.[q])} ms (Conclave ÷ anchor ${ratio(c?.[q], a?.[q])}; target ≤ 1x)`;
  });
}
