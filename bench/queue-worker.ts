/**
 * One worker process of a PostgreSQL cell (forked by queue-procs.ts): a graphile-worker runner
 * or a Conclave runtime with a worker, on the cell's database. It stamps each job's start
 * inside the job function with `now()` (CLOCK_MONOTONIC, shared with the producer process)
 * and reports starts and finishes over IPC: one message per job in latency mode, a running
 * count every 10 ms in throughput mode (the finish stamp travels with it, so the report's
 * delay does not count).
 *
 * Usage (by queue-procs.ts only): node bench/queue-worker.ts '<WorkerConfig as JSON>'
 */

import { ownCpuMs } from "./queue-cpu.ts";
import type { WorkerConfig, WorkerMessage } from "./queue-procs.ts";
import { now } from "./queue-stats.ts";

const config = JSON.parse(process.argv[2] ?? "{}") as WorkerConfig;
const send = (message: WorkerMessage) => process.send?.(message);

const PROGRESS_MS = 10;
let count = 0;
let last = 0;
let timer: NodeJS.Timeout | undefined;

function onStart(i: number): void {
  if (config.measure === "latency") send({ type: "start", i, t: now() });
}

function onFinish(i: number): void {
  const t = now();
  if (config.measure === "latency") return void send({ type: "done", i, t });
  count++;
  last = t;
  timer ??= setTimeout(() => {
    timer = undefined;
    send({ type: "progress", count, last });
  }, PROGRESS_MS);
}

/** A started worker: how to flush what it buffers, and how to stop it. */
interface Started {
  drain(): Promise<void>;
  stop(): Promise<void>;
}

async function startGraphile(): Promise<Started> {
  const { Logger, run } = await import("graphile-worker");
  const runner = await run({
    connectionString: config.url,
    concurrency: config.concurrency,
    noHandleSignals: true,
    // LISTEN/NOTIFY wakes the workers; the poll is graphile-worker's default fallback.
    pollInterval: 2_000,
    logger: new Logger(() => () => {}),
    taskList: {
      noop: async (payload) => onStart((payload as { i: number }).i),
    },
  });
  runner.events.on("job:complete", ({ job }) => onFinish((job.payload as { i: number }).i));
  return { drain: async () => {}, stop: () => runner.stop() };
}

async function startConclave(): Promise<Started> {
  const { postgresRuntime } = await import("./queue-conclave-setup.ts");
  const bench = await postgresRuntime(config.url, config.durability ?? "async", onStart);
  bench.runtime.afterRun((run) => onFinish((run.kwargs.input as { i: number }).i));
  await bench.runtime.startWorker({ concurrency: config.concurrency });
  return {
    drain: async () => {
      await bench.runtime.audit?.flush();
    },
    stop: () => bench.close(),
  };
}

async function main(): Promise<void> {
  const started = config.system === "graphile" ? await startGraphile() : await startConclave();
  // A parent that died (killed, or its output pipe closed) must not leave workers polling.
  process.on("disconnect", () => process.exit(0));
  process.on("message", (message: { type: string }) => {
    if (message.type === "drain") {
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
        send({ type: "progress", count, last });
      }
      const before = now();
      void started.drain().then(() => {
        const t = now();
        send({ type: "drained", t, flushMs: t - before });
      });
    } else if (message.type === "cpu") {
      send({ type: "cpu", ms: ownCpuMs() });
    } else if (message.type === "stop") {
      void started.stop().then(() => process.exit(0));
    }
  });
  send({ type: "ready" });
}

main().catch((error: unknown) => {
  send({
    type: "error",
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  process.exitCode = 1;
});
