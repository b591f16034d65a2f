/**
 * The graphile-worker anchor: the producer (`makeWorkerUtils`, `addJobs` for batches, `addJob`
 * for single jobs) in the cell's process, the runners in `spec.workers` worker processes
 * (queue-worker.ts), on a fresh database. Runners wake on LISTEN/NOTIFY; their 2 s poll is
 * only the fallback. graphile-worker deletes a job's row when it completes, and does that
 * after its `job:complete` event, so a throughput cell ends when the jobs table is empty.
 */
import pg from "pg";
import { ownCpuMs } from "./queue-cpu.ts";
import { type Harness, measureLatency, measureThroughput } from "./queue-measure.ts";
import { WorkerGroup } from "./queue-procs.ts";
import { type CellResult, type CellSpec, now } from "./queue-stats.ts";

/** Jobs per `addJobs` call (one INSERT ... SELECT each). */
const BATCH = 1_000;

/** Runs one graphile-worker cell. */
export async function graphileCell(spec: CellSpec): Promise<CellResult> {
  const { Logger, makeWorkerUtils } = await import("graphile-worker");
  const url = spec.url ?? "";
  const utils = await makeWorkerUtils({
    connectionString: url,
    logger: new Logger(() => () => {}),
  });
  // Migrate once here, so the worker processes do not race to install the schema.
  await utils.migrate();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const group = await WorkerGroup.start(
    { system: "graphile", measure: spec.measure, url, concurrency: spec.concurrency },
    spec.workers,
  );
  const harness: Harness = {
    batchSize: BATCH,
    settles: "the last completed job rows were deleted",
    async enqueueBatch(from, count) {
      const jobs = Array.from({ length: count }, (_, k) => ({
        identifier: "noop",
        payload: { i: from + k },
      }));
      await utils.addJobs(jobs);
    },
    async enqueueOne(i) {
      await utils.addJob("noop", { i });
    },
    started: (i) => group.started(i),
    finished: (i) => group.finished(i),
    counted: (n) => group.counted(n),
    resetCounts: () => group.resetCounts(),
    settle: () => untilNoJobs(client),
    cpuMs: async () => ownCpuMs() + (await group.cpuMs()),
  };
  try {
    return spec.measure === "throughput"
      ? await measureThroughput(harness, spec)
      : await measureLatency(harness, spec);
  } finally {
    await group.stop();
    await client.end();
    await utils.release();
  }
}

/**
 * Waits until every completed job's row is deleted; resolves with the stamp when that was
 * seen, or undefined when the table was already empty at the first look.
 */
async function untilNoJobs(client: pg.Client): Promise<number | undefined> {
  for (let looks = 0; ; looks++) {
    const { rows } = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM graphile_worker._private_jobs",
    );
    if (rows[0]?.n === 0) return looks === 0 ? undefined : now();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
