/**
 * Where a Conclave run's PostgreSQL time goes: the queue bench's PostgreSQL cell (a producer
 * here, two worker processes, one-node runs submitted in batches of 1,000), with
 * pg_stat_statements loaded. It prints the runs per second, the CPU per run of the server, the
 * producer and the workers, and each statement's calls, execution and planning time per run.
 * The statement profile is the stable part; the rate moves with the VM as the queue bench's.
 *
 * Usage: node bench/pg-statements.ts [async|exit] [--runs N]
 */
import pg from "pg";
import { postgresRuntime, submitRequest } from "./queue-conclave-setup.ts";
import { processTreeCpuMs } from "./queue-cpu.ts";
import { type WorkerConfig, WorkerGroup } from "./queue-procs.ts";
import { createDatabase, startPostgres } from "./queue-servers.ts";

const BATCH = 1_000;
const WARMUP = 500;

interface StatementRow {
  calls: string;
  exec_ms: number;
  plan_ms: number;
  plans: string;
  query: string;
}

function options(): { durability: "async" | "exit"; runs: number } {
  const args = process.argv.slice(2);
  const durability = args.includes("exit") ? "exit" : "async";
  const at = args.indexOf("--runs");
  const runs = at === -1 ? 5_000 : Number(args[at + 1]);
  if (!Number.isSafeInteger(runs) || runs < BATCH || runs % BATCH !== 0) {
    throw new Error(`--runs must be a multiple of ${BATCH}; got ${args[at + 1]}.`);
  }
  return { durability, runs };
}

async function main(): Promise<void> {
  const { durability, runs } = options();
  const server = await startPostgres(true, { statStatements: true });
  if ("missing" in server) throw new Error(server.missing);
  const url = await createDatabase(server.url, "statements");
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  const producer = await postgresRuntime(url, durability, () => {});
  const config: WorkerConfig = {
    system: "conclave",
    measure: "throughput",
    url,
    concurrency: 10,
    durability,
  };
  const workers = await WorkerGroup.start(config, 2);
  try {
    const batch = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => submitRequest(from + i, durability));
    await producer.runtime.submitMany(batch(0, WARMUP));
    await workers.counted(WARMUP);
    await workers.drain();
    workers.resetCounts();
    await admin.query("SELECT pg_stat_statements_reset()");
    const cpu0 = { server: processTreeCpuMs(server.pid) ?? 0, own: process.cpuUsage() };
    const workers0 = await workers.cpuMs();
    const t0 = performance.now();
    for (let from = WARMUP; from < WARMUP + runs; from += BATCH) {
      await producer.runtime.submitMany(batch(from, BATCH));
    }
    await workers.counted(runs);
    const ms = performance.now() - t0;
    await workers.drain();
    const own = process.cpuUsage(cpu0.own);
    const perRun = (cpuMs: number) => (cpuMs / runs).toFixed(2);
    console.log(
      `${durability}: ${runs} runs, ${Math.round((runs / ms) * 1000)} runs/s; CPU ms/run: server ${perRun((processTreeCpuMs(server.pid) ?? 0) - cpu0.server)}, producer ${perRun((own.user + own.system) / 1000)}, workers ${perRun((await workers.cpuMs()) - workers0)}`,
    );
    const { rows } = await admin.query<StatementRow>(
      `SELECT calls, total_exec_time AS exec_ms, total_plan_time AS plan_ms, plans,
        left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS query
      FROM pg_stat_statements WHERE calls > 0 ORDER BY calls DESC LIMIT 15`,
    );
    console.log("calls/run  exec ms/call  plans/call  statement");
    for (const row of rows) {
      const calls = Number(row.calls);
      const cells = [
        (calls / runs).toFixed(3).padStart(9),
        (row.exec_ms / calls).toFixed(3).padStart(13),
        (Number(row.plans) / calls).toFixed(2).padStart(11),
      ];
      console.log(`${cells.join(" ")}  ${row.query}`);
    }
  } finally {
    await admin.end();
    await workers.stop();
    await producer.close();
    await server.stop();
  }
}

await main();
