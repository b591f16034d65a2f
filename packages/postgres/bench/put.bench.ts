/**
 * Measures a checkpoint `put` against one raw autocommit INSERT round trip on the same server.
 *   node --import ./test/support/resolve-source.ts packages/postgres/bench/put.bench.ts <url> [steps]
 * Uses a throwaway schema (dropped at the end). Prints the median of 5 interleaved rounds.
 */
import { PostgresSaver } from "@conclave/postgres";
import pg from "pg";

const url = process.argv[2] ?? process.env.TEST_DATABASE_URL;
if (!url) throw new Error("usage: put.bench.ts <postgres://url> [steps]");
const steps = Number(process.argv[3] ?? 2000);
const schema = `bench_${process.pid}`;
const pool = new pg.Pool({ connectionString: url, max: 1 });
const payload = "x".repeat(300);

async function raw(round: number): Promise<number> {
  const table = `${schema}.raw_${round}`;
  await pool.query(`CREATE TABLE ${table} (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    thread text, id text, payload text, UNIQUE (thread, id))`);
  const text = `INSERT INTO ${table} (thread, id, payload) VALUES ($1, $2, $3)`;
  const start = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) {
    await pool.query({
      name: `raw${round}`,
      text,
      values: ["t", String(i).padStart(10, "0"), payload],
    });
  }
  return Number(process.hrtime.bigint() - start) / 1000 / steps;
}

async function put(saver: PostgresSaver, round: number): Promise<number> {
  const messages: unknown[] = [];
  let config: Parameters<PostgresSaver["put"]>[0] = { configurable: { thread_id: `t${round}` } };
  const start = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) {
    const message = { role: "ai", content: `step ${i} `.padEnd(200, "y") };
    messages.push(message);
    config = await saver.put(
      config,
      {
        v: 1,
        id: String(i).padStart(10, "0"),
        ts: new Date().toISOString(),
        channel_values: { messages, step: i },
        updated_channels: ["messages", "step"],
        delta: { messages: { op: "append", items: [message] }, step: { op: "set", value: i } },
      },
      { source: "loop", step: i, parents: {} },
    );
  }
  return Number(process.hrtime.bigint() - start) / 1000 / steps;
}

await pool.query(`CREATE SCHEMA ${schema}`);
const saver = new PostgresSaver(pool, { schema });
await saver.setup();
const rawUs: number[] = [];
const putUs: number[] = [];
for (let round = 0; round < 5; round++) {
  rawUs.push(await raw(round));
  putUs.push(await put(saver, round));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[2]!;
console.log(`raw INSERT ${median(rawUs).toFixed(0)} µs/op, put ${median(putUs).toFixed(0)} µs/op`);
console.log(`put / raw per round: ${putUs.map((p, i) => (p / rawUs[i]!).toFixed(2)).join(", ")}`);
await pool.query(`DROP SCHEMA ${schema} CASCADE`);
await pool.end();
