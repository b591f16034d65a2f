/**
 * Measures a checkpoint `put` against one raw SQLite WAL insert-commit, in one file each, with
 * synchronous=NORMAL. Run from the repo root:
 *   node --import ./test/support/resolve-source.ts packages/sqlite/bench/put.bench.ts [steps]
 * Prints microseconds per operation (median of 5 interleaved rounds) for:
 *   raw      INSERT of a ~300-byte row into a one-index table, autocommit
 *   trigger  INSERT into the checkpoint table whose trigger upserts the head (what put does)
 *   explicit BEGIN; INSERT; UPSERT head; COMMIT (the alternative the trigger replaced)
 *   put      SqliteSaver.put of a chat step appending one ~200-byte message (encode, hash, insert)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { SqliteSaver } from "../src/index.ts";

const steps = Number(process.argv[2] ?? 5000);
const dir = mkdtempSync(join(tmpdir(), "conclave-bench-"));
const payload = "x".repeat(300);

function open(name: string) {
  const db = new BetterSqlite3(join(dir, name));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  return db;
}

function perOp(run: (i: number) => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) run(i);
  return Number(process.hrtime.bigint() - start) / 1000 / steps;
}

function raw(): number {
  const db = open(`raw-${Math.random()}.db`);
  db.exec("CREATE TABLE t (seq INTEGER PRIMARY KEY, thread TEXT, id TEXT, payload TEXT)");
  db.exec("CREATE UNIQUE INDEX t_key ON t (thread, id)");
  const insert = db.prepare("INSERT INTO t (thread, id, payload) VALUES (?, ?, ?)");
  const us = perOp((i) => insert.run("thread-1", String(i).padStart(10, "0"), payload));
  db.close();
  return us;
}

function headVariant(trigger: boolean): number {
  const saver = SqliteSaver.fromConnString(join(dir, `head-${Math.random()}.db`));
  saver.setup();
  const db = saver.db;
  if (!trigger) db.exec("DROP TRIGGER conclave_checkpoints_head");
  const insert = db.prepare(`INSERT INTO conclave_checkpoints (thread_id, ns, id, parent_id, ts,
    payload, hash, since_bytes, since_count, snap_bytes) VALUES (?, '', ?, NULL, '', ?, ?, 0, 0, 0)`);
  const head =
    db.prepare(`INSERT INTO conclave_heads (thread_id, head_ns, head_id, head_hash, row_count)
    VALUES (?, '', ?, ?, 1) ON CONFLICT (thread_id) DO UPDATE SET head_id = excluded.head_id,
    head_hash = excluded.head_hash, row_count = row_count + 1`);
  const explicit = db.transaction((id: string) => {
    insert.run("thread-1", id, payload, "h".repeat(64));
    head.run("thread-1", id, "h".repeat(64));
  });
  const us = perOp((i) => {
    const id = String(i).padStart(10, "0");
    if (trigger) insert.run("thread-1", id, payload, "h".repeat(64));
    else explicit(id);
  });
  saver.close();
  return us;
}

async function put(): Promise<number> {
  const saver = SqliteSaver.fromConnString(join(dir, `put-${Math.random()}.db`));
  const messages: unknown[] = [];
  let config = { configurable: { thread_id: "thread-1" } } as Parameters<SqliteSaver["put"]>[0];
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
  const us = Number(process.hrtime.bigint() - start) / 1000 / steps;
  const stats = await saver.stats();
  saver.close();
  console.log(`  put stored ${(stats.bytes / steps).toFixed(0)} bytes/step`);
  return us;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results: Record<string, number[]> = { raw: [], trigger: [], explicit: [], put: [] };
for (let round = 0; round < 5; round++) {
  results.raw!.push(raw());
  results.trigger!.push(headVariant(true));
  results.explicit!.push(headVariant(false));
  results.put!.push(await put());
}
for (const [name, xs] of Object.entries(results)) {
  console.log(
    `${name.padEnd(9)} ${median(xs).toFixed(1)} µs/op  (rounds: ${xs.map((x) => x.toFixed(1)).join(", ")})`,
  );
}
// Rounds run interleaved, so a round's ratio compares runs made under the same machine load.
const ratios = results.put!.map((us, i) => us / results.raw![i]!);
console.log(`put / raw per round: ${ratios.map((r) => r.toFixed(2)).join(", ")}`);
console.log(`median put / raw = ${median(ratios).toFixed(2)}x over ${steps} steps`);
rmSync(dir, { recursive: true, force: true });
