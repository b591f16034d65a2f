/**
 * `npm run bench:queue`: Conclave's run queue against BullMQ (Redis) and graphile-worker
 * (PostgreSQL), measured in one run on one machine with trivial jobs:
 * 1. throughput: jobs enqueued in batches while the workers run, until all finished;
 * 2. enqueue-to-start latency: one job at a time into an idle queue, no polling;
 * 3. HTTP overhead: a run submitted through the API against the same in-process call.
 * Each cell runs in its own child process (queue-cell.ts); PostgreSQL workers run in
 * processes of their own (queue-worker.ts). Prints the tables and PASS/MISS lines, and writes
 * bench/results/queue.md and .json (queue-quick.* with --quick).
 *
 * Usage: node bench/queue.ts [--quick] [--rounds N] [--only a,b] [--measure m,n] [--pg-fsync off]
 *                             [--prof DIR]
 *   --quick      small counts (a smoke run, about 1 minute)
 *   --rounds N   repeat every cell N times, alternating the order (default 1)
 *   --only       a comma list of systems (bullmq, graphile, conclave-sqlite, conclave-pg, ...)
 *   --measure    a comma list of measurements (throughput, latency, http)
 *   --pg-fsync   "off" runs PostgreSQL with fsync=off and synchronous_commit=off (not honest
 *                for durability; shows what the WAL flushes cost)
 *   --prof DIR   run every child with --cpu-prof into DIR
 */
import { fork } from "node:child_process";
import { mkdirSync } from "node:fs";
import os from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { describeMachine, loadLine } from "./machine.ts";
import type { CellReply } from "./queue-cell.ts";
import { writeReport } from "./queue-output.ts";
import { type CellOutcome, targetLines } from "./queue-report.ts";
import {
  createDatabase,
  type Missing,
  type Server,
  startPostgres,
  startRedis,
} from "./queue-servers.ts";
import { type CellSpec, SYSTEMS, type SystemName } from "./queue-stats.ts";

/**
 * Jobs per cell. Decision: 10,000 jobs per throughput cell (20,000 for BullMQ, which drains
 * them in about 2 s; 5,000 for Conclave on PostgreSQL, which runs at a few hundred per second
 * on the 2-core VM) keep the spread between runs within a few percent; 1,000 latency samples
 * give a p99 from the 10 slowest; the whole bench stays near 3 minutes.
 */
const SIZES = {
  full: {
    bullmq: 20_000,
    throughput: 10_000,
    pgThroughput: 5_000,
    warmup: 0.1,
    latency: 1_000,
    latWarmup: 100,
    http: 2_000,
    httpWarmup: 200,
  },
  quick: {
    bullmq: 3_000,
    throughput: 1_500,
    pgThroughput: 1_000,
    warmup: 0.1,
    latency: 200,
    latWarmup: 20,
    http: 300,
    httpWarmup: 50,
  },
};
/** Jobs each worker runs at once: Conclave's default, given to every system. */
const CONCURRENCY = 10;
/** Worker processes of the PostgreSQL throughput cells (the target names 2 workers). */
const PG_WORKERS = 2;
const CELL_TIMEOUT_MS = 180_000;

/** The cells of one round, in run order. */
function plan(quick: boolean): CellSpec[] {
  const size = quick ? SIZES.quick : SIZES.full;
  const th = (system: SystemName, n: number, workers: number): CellSpec => ({
    system,
    measure: "throughput",
    n,
    warmup: Math.round(n * size.warmup),
    workers,
    concurrency: CONCURRENCY,
  });
  const lat = (system: SystemName): CellSpec => ({
    system,
    measure: "latency",
    n: size.latency,
    warmup: size.latWarmup,
    workers: 1,
    concurrency: CONCURRENCY,
  });
  return [
    th("bullmq", size.bullmq, 1),
    th("graphile", size.throughput, PG_WORKERS),
    th("conclave-sqlite", size.throughput, 1),
    th("conclave-sqlite-exit", size.throughput, 1),
    th("conclave-pg", size.pgThroughput, PG_WORKERS),
    th("conclave-pg-exit", size.pgThroughput, PG_WORKERS),
    lat("bullmq"),
    lat("conclave-sqlite"),
    lat("graphile"),
    lat("conclave-pg"),
    {
      system: "conclave-http",
      measure: "http",
      n: size.http,
      warmup: size.httpWarmup,
      workers: 0,
      concurrency: 1,
    },
  ];
}

const needsRedis = (s: SystemName) => s === "bullmq";
const needsPostgres = (s: SystemName) => s === "graphile" || s.startsWith("conclave-pg");

function runCell(spec: CellSpec, execArgv: string[]): Promise<CellReply> {
  return new Promise((done) => {
    const child = fork(new URL("./queue-cell.ts", import.meta.url), [JSON.stringify(spec)], {
      execArgv,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let reply: CellReply | undefined;
    const timer = setTimeout(() => child.kill("SIGKILL"), CELL_TIMEOUT_MS);
    child.on("message", (message: CellReply) => {
      reply = message;
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      done(reply ?? { ok: false, error: `the cell exited (${signal ?? code}) without a result` });
    });
  });
}

async function runAll(
  specs: CellSpec[],
  servers: { redis: Server | Missing; pg: Server | Missing },
  rounds: number,
  execArgv: string[],
): Promise<CellOutcome[]> {
  const outcomes: CellOutcome[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? specs : [...specs].reverse();
    for (const base of order) {
      const server = needsRedis(base.system)
        ? servers.redis
        : needsPostgres(base.system)
          ? servers.pg
          : undefined;
      if (server && "missing" in server) {
        outcomes.push({ spec: base, round, missing: server.missing });
        continue;
      }
      const spec = { ...base };
      if (server) spec.serverPid = server.pid;
      if (server && needsRedis(base.system)) spec.url = server.url;
      if (server && needsPostgres(base.system))
        spec.url = await createDatabase(
          server.url,
          `bench_${base.system.replaceAll("-", "_")}_${base.measure}_${round}`,
        );
      process.stderr.write(
        `queue bench: ${base.system} ${base.measure} (round ${round + 1}/${rounds})...\n`,
      );
      const reply = await runCell(spec, execArgv);
      if (reply.ok) outcomes.push({ spec, round, result: reply.result });
      else {
        process.stderr.write(`  failed: ${reply.error}\n`);
        outcomes.push({ spec, round, missing: reply.error.split("\n")[0] ?? "failed" });
      }
    }
  }
  return outcomes;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      rounds: { type: "string", default: "1" },
      only: { type: "string" },
      measure: { type: "string" },
      "pg-fsync": { type: "string", default: "on" },
      prof: { type: "string" },
    },
  });
  const quick = values.quick ?? false;
  const rounds = Math.max(1, Number(values.rounds));
  const only = values.only?.split(",").map((s) => s.trim()) as SystemName[] | undefined;
  const unknown = only?.filter((s) => !SYSTEMS.includes(s));
  if (unknown && unknown.length > 0)
    throw new Error(`unknown systems: ${unknown.join(", ")}; known: ${SYSTEMS.join(", ")}`);
  const fsync = values["pg-fsync"] !== "off";
  const execArgv = [...process.execArgv];
  if (values.prof) {
    mkdirSync(values.prof, { recursive: true });
    execArgv.push("--cpu-prof", `--cpu-prof-dir=${resolve(values.prof)}`);
  }
  const measures = values.measure?.split(",").map((s) => s.trim());
  const specs = plan(quick).filter(
    (s) => (!only || only.includes(s.system)) && (!measures || measures.includes(s.measure)),
  );
  const machine = describeMachine();
  const loadAtStart = os.loadavg()[0] ?? 0;
  const started = performance.now();

  process.stderr.write("queue bench: starting redis-server and PostgreSQL...\n");
  const [redis, pg] = await Promise.all([
    specs.some((s) => needsRedis(s.system)) ? startRedis() : { missing: "not selected" },
    specs.some((s) => needsPostgres(s.system)) ? startPostgres(fsync) : { missing: "not selected" },
  ]);
  let outcomes: CellOutcome[];
  try {
    outcomes = await runAll(specs, { redis, pg }, rounds, execArgv);
  } finally {
    await Promise.all([redis, pg].map((s) => ("stop" in s ? s.stop() : undefined)));
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const load = loadLine(machine.cores, loadAtStart, os.loadavg()[0] ?? 0);
  writeReport({
    quick,
    rounds,
    fsync,
    machine,
    load,
    wallSeconds,
    outcomes,
    servers: { redis, pg },
    targets: targetLines(outcomes),
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:queue: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
