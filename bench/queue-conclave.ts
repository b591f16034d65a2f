/**
 * The Conclave cells. Embedded (SQLite): the runtime, its worker and the producer share the
 * cell's process and one SQLite file. PostgreSQL: the producer is a runtime without a worker
 * in the cell's process; the workers are runtimes in `spec.workers` worker processes
 * (queue-worker.ts), woken through LISTEN/NOTIFY. Every run is a one-node graph on a thread of
 * its own, checkpointed and audited; a run is finished when the runtime's after-run hook
 * fires, which is after the finish transaction committed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type BenchRuntime,
  type Durability,
  postgresRuntime,
  sqliteRuntime,
  submitRequest,
} from "./queue-conclave-setup.ts";
import { ownCpuMs } from "./queue-cpu.ts";
import { type Harness, LocalTracker, measureLatency, measureThroughput } from "./queue-measure.ts";
import { WorkerGroup } from "./queue-procs.ts";
import { type CellResult, type CellSpec, now } from "./queue-stats.ts";

/** Runs per `submitMany` call (one transaction), as the anchors' bulk adds of 1,000. */
const BATCH = 1_000;

const durabilityOf = (spec: CellSpec): Durability =>
  spec.system.endsWith("-exit") ? "exit" : "async";

function harnessOf(
  bench: BenchRuntime,
  durability: Durability,
  waits: Pick<Harness, "started" | "finished" | "counted" | "resetCounts">,
  workers: { settle: () => Promise<number | undefined>; cpuMs: () => Promise<number> },
): Harness {
  const { runtime } = bench;
  return {
    batchSize: BATCH,
    settles: "the last buffered audit events were written",
    async enqueueBatch(from, count) {
      await runtime.submitMany(
        Array.from({ length: count }, (_, k) => submitRequest(from + k, durability)),
      );
    },
    async enqueueOne(i) {
      await runtime.submit(submitRequest(i, durability));
    },
    ...waits,
    cpuMs: async () => ownCpuMs() + (await workers.cpuMs()),
    async settle() {
      const before = now();
      await runtime.audit?.flush();
      const after = now();
      const own = after - before > 0.5 ? after : undefined;
      const theirs = await workers.settle();
      if (own === undefined) return theirs;
      return Math.max(own, theirs ?? 0);
    },
  };
}

/** Runs a cell of Conclave embedded on SQLite, all in this process. */
export async function conclaveSqliteCell(spec: CellSpec): Promise<CellResult> {
  const durability = durabilityOf(spec);
  const dir = mkdtempSync(join(tmpdir(), "conclave-queue-bench-"));
  const tracker = new LocalTracker(spec.measure === "latency");
  const bench = await sqliteRuntime(dir, durability, (i) => tracker.start(i));
  bench.runtime.afterRun((run) => tracker.finish((run.kwargs.input as { i: number }).i));
  await bench.runtime.startWorker({ concurrency: spec.concurrency });
  const waits = {
    started: (i: number) => tracker.started(i),
    finished: (i: number) => tracker.finished(i),
    counted: (n: number) => tracker.counted(n),
    resetCounts: () => tracker.resetCounts(),
  };
  const inProcess = { settle: async () => undefined, cpuMs: async () => 0 };
  const harness = harnessOf(bench, durability, waits, inProcess);
  try {
    return spec.measure === "throughput"
      ? await measureThroughput(harness, spec)
      : await measureLatency(harness, spec);
  } finally {
    await bench.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a cell of Conclave on PostgreSQL: producer here, workers in their own processes. */
export async function conclavePostgresCell(spec: CellSpec): Promise<CellResult> {
  const durability = durabilityOf(spec);
  const url = spec.url ?? "";
  // Migrates the database before the workers start.
  const bench = await postgresRuntime(url, durability, () => undefined);
  const group = await WorkerGroup.start(
    { system: "conclave", measure: spec.measure, url, concurrency: spec.concurrency, durability },
    spec.workers,
  );
  const waits = {
    started: (i: number) => group.started(i),
    finished: (i: number) => group.finished(i),
    counted: (n: number) => group.counted(n),
    resetCounts: () => group.resetCounts(),
  };
  const harness = harnessOf(bench, durability, waits, {
    settle: () => group.drain(),
    cpuMs: () => group.cpuMs(),
  });
  try {
    return spec.measure === "throughput"
      ? await measureThroughput(harness, spec)
      : await measureLatency(harness, spec);
  } finally {
    await group.stop();
    await bench.close();
  }
}
