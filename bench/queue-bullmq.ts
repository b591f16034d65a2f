/**
 * The BullMQ anchor: a Queue and a Worker in the cell's process, on the bench's redis-server.
 * Jobs keep BullMQ's defaults (completed jobs are kept, as Conclave keeps its run records).
 * A job is finished at the worker's `completed` event, which BullMQ emits after the job moved
 * to the completed set. The worker waits on Redis with a blocking pop: no polling.
 */
import { randomUUID } from "node:crypto";
import { ownCpuMs } from "./queue-cpu.ts";
import { LocalTracker, measureLatency, measureThroughput } from "./queue-measure.ts";
import type { CellResult, CellSpec } from "./queue-stats.ts";

/** Jobs per `addBulk` call (one round trip each). */
const BATCH = 1_000;

/** Runs one BullMQ cell: throughput or latency, per `spec.measure`. */
export async function bullmqCell(spec: CellSpec): Promise<CellResult> {
  const { Queue, Worker } = await import("bullmq");
  const url = new URL(spec.url ?? "");
  // BullMQ requires `maxRetriesPerRequest: null` for the worker's blocking connection.
  const connection = { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null };
  const name = `bench-${randomUUID()}`;
  const tracker = new LocalTracker(spec.measure === "latency");
  const queue = new Queue(name, { connection });
  const worker = new Worker(
    name,
    async (job) => {
      tracker.start((job.data as { i: number }).i);
    },
    { connection, concurrency: spec.concurrency },
  );
  worker.on("completed", (job) => tracker.finish((job.data as { i: number }).i));
  await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
  const harness = {
    batchSize: BATCH,
    settles: "nothing to settle",
    async enqueueBatch(from: number, count: number) {
      const jobs = Array.from({ length: count }, (_, k) => ({
        name: "noop",
        data: { i: from + k },
      }));
      await queue.addBulk(jobs);
    },
    async enqueueOne(i: number) {
      await queue.add("noop", { i });
    },
    started: (i: number) => tracker.started(i),
    finished: (i: number) => tracker.finished(i),
    counted: (n: number) => tracker.counted(n),
    resetCounts: () => tracker.resetCounts(),
    settle: async () => undefined,
    cpuMs: async () => ownCpuMs(),
  };
  try {
    return spec.measure === "throughput"
      ? await measureThroughput(harness, spec)
      : await measureLatency(harness, spec);
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}
