/**
 * Where a Conclave run's PostgreSQL time goes: the queue bench's PostgreSQL cell (a producer
 * here, two worker processes, one-node runs submitted in batches of 1,000), with
 * pg_stat_statements loaded. It prints the runs per second, the CPU per run of the server, the
 * producer and the workers, and each statement's calls, execution and planning time per run.
 * The statement profile is the stable part; the rate moves with the VM as the queue bench's.
 *
 * Usage: node bench/pg-statements.ts [async|exit|graphile] [--runs N] [--one-at-a-time]
 *   graphile: the same for graphile-worker's no-op jobs, the anchor
 *   --one-at-a-time: as the queue bench's latency cells instead: one worker process, each run
 *     submitted alone once the previous one finished, 2 ms apart (N may be any count)
 */
import pg from "pg";
import { postgresRuntime, submitRequest } from "./queue-conclave-setup.ts";
import { processTreeCpuMs } from "./queue-cpu.ts";
import { IDLE_GAP_MS } from "./queue-measure.ts";
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

type Mode = "async" | "exit" | "graphile";

interface Options {
  mode: Mode;
  runs: number;
  oneAtATime: boolean;
}

function options(): Options {
  const args = process.argv.slice(2);
  const mode: Mode = args.includes("graphile")
    ? "graphile"
    : args.includes("exit")
      ? "exit"
      : "async";
  const at = args.indexOf("--runs");
  const oneAtATime = args.includes("--one-at-a-time");
  const runs = at === -1 ? (oneAtATime ? 1_000 : 5_000) : Number(args[at + 1]);
  const valid = oneAtATime ? runs > 0 : runs >= BATCH && runs % BATCH === 0;
  if (!Number.isSafeInteger(runs) || !valid) {
    const what = oneAtATime ? "a positive integer" : `a multiple of ${BATCH}`;
    throw new Error(`--runs must be ${what}; got ${args[at + 1]}.`);
  }
  return { mode, runs, oneAtATime };
}

/** The producer side of a system: enqueue a batch, and stop. */
interface Producer {
  enqueue(from: number, n: number): Promise<void>;
  close(): Promise<void>;
}

async function producerFor(mode: Mode, url: string): Promise<Producer> {
  if (mode === "graphile") {
    const { Logger, makeWorkerUtils } = await import("graphile-worker");
    const utils = await makeWorkerUtils({
      connectionString: url,
      logger: new Logger(() => () => {}),
    });
    await utils.migrate();
    return {
      enqueue: async (from, n) => {
        await utils.addJobs(
          Array.from({ length: n }, (_, k) => ({ identifier: "noop", payload: { i: from + k } })),
        );
      },
      close: async () => {
        await utils.release();
      },
    };
  }
  const producer = await postgresRuntime(url, mode, () => {});
  return {
    enqueue: async (from, n) => {
      await producer.runtime.submitMany(
        Array.from({ length: n }, (_, i) => submitRequest(from + i, mode)),
      );
    },
    close: () => producer.close(),
  };
}

/** WAL written and row updates (HOT or not) since the last reset, per run. */
async function writeProfile(admin: pg.Client, runs: number): Promise<string> {
  const wal = await admin.query<{ records: string; fpi: string; bytes: string }>(
    "SELECT wal_records AS records, wal_fpi AS fpi, wal_bytes AS bytes FROM pg_stat_wal",
  );
  const tables = await admin.query<{ relname: string; upd: string; hot: string; ins: string }>(
    `SELECT relname, n_tup_upd AS upd, n_tup_hot_upd AS hot, n_tup_ins AS ins
    FROM pg_stat_user_tables WHERE n_tup_upd + n_tup_ins + n_tup_del > 0 ORDER BY relname`,
  );
  const per = (value: string) => (Number(value) / runs).toFixed(2);
  const w = wal.rows[0]!;
  const lines = [
    `WAL per run: ${per(w.records)} records, ${per(w.fpi)} full-page images, ${per(w.bytes)} bytes`,
    ...tables.rows.map(
      (t) => `  ${t.relname}: ${per(t.ins)} inserts, ${per(t.upd)} updates (${per(t.hot)} HOT)`,
    ),
  ];
  return lines.join("\n");
}

async function main(): Promise<void> {
  const { mode, runs, oneAtATime } = options();
  const server = await startPostgres(true, { statStatements: true });
  if ("missing" in server) throw new Error(server.missing);
  const url = await createDatabase(server.url, "statements");
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  const producer = await producerFor(mode, url);
  const config: WorkerConfig = {
    system: mode === "graphile" ? "graphile" : "conclave",
    measure: oneAtATime ? "latency" : "throughput",
    url,
    concurrency: 10,
    ...(mode === "graphile" ? {} : { durability: mode }),
  };
  const workers = await WorkerGroup.start(config, oneAtATime ? 1 : 2);
  const alone = async (from: number, n: number) => {
    for (let i = from; i < from + n; i++) {
      await producer.enqueue(i, 1);
      await workers.finished(i);
      await new Promise((resolve) => setTimeout(resolve, IDLE_GAP_MS));
    }
  };
  try {
    if (oneAtATime) await alone(0, WARMUP);
    else {
      await producer.enqueue(0, WARMUP);
      await workers.counted(WARMUP);
      workers.resetCounts();
    }
    await workers.drain();
    await admin.query("SELECT pg_stat_statements_reset()");
    await admin.query("SELECT pg_stat_reset_shared('wal'), pg_stat_reset()");
    const cpu0 = { server: processTreeCpuMs(server.pid) ?? 0, own: process.cpuUsage() };
    const workers0 = await workers.cpuMs();
    const t0 = performance.now();
    if (oneAtATime) await alone(WARMUP, runs);
    else {
      for (let from = WARMUP; from < WARMUP + runs; from += BATCH) {
        await producer.enqueue(from, BATCH);
      }
      await workers.counted(runs);
    }
    const ms = performance.now() - t0;
    await workers.drain();
    const own = process.cpuUsage(cpu0.own);
    const perRun = (cpuMs: number) => (cpuMs / runs).toFixed(2);
    console.log(
      `${mode}: ${runs} runs, ${Math.round((runs / ms) * 1000)} runs/s; CPU ms/run: server ${perRun((processTreeCpuMs(server.pid) ?? 0) - cpu0.server)}, producer ${perRun((own.user + own.system) / 1000)}, workers ${perRun((await workers.cpuMs()) - workers0)}`,
    );
    // Statistics reach the views when a backend reports them (at most once a second).
    await admin.query("SELECT pg_stat_force_next_flush()");
    console.log(await writeProfile(admin, runs));
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
