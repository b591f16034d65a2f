/**
 * Runs one cell of the queue bench (one system, one measurement) in this process and sends
 * its result to the parent over IPC. `queue.ts` forks one child per cell, so every system
 * starts with a fresh heap, JIT and connections, and none of them shares an event loop with
 * the parent's bookkeeping.
 *
 * Usage (by queue.ts only): node bench/queue-cell.ts '<CellSpec as JSON>'
 */
import { bullmqCell } from "./queue-bullmq.ts";
import { conclavePostgresCell, conclaveSqliteCell } from "./queue-conclave.ts";
import { graphileCell } from "./queue-graphile.ts";
import { httpCell } from "./queue-http.ts";
import type { CellResult, CellSpec, SystemName } from "./queue-stats.ts";

const CELLS: Record<SystemName, (spec: CellSpec) => Promise<CellResult>> = {
  bullmq: bullmqCell,
  graphile: graphileCell,
  "conclave-sqlite": conclaveSqliteCell,
  "conclave-sqlite-exit": conclaveSqliteCell,
  "conclave-pg": conclavePostgresCell,
  "conclave-pg-exit": conclavePostgresCell,
  "conclave-http": httpCell,
};

/** What the cell sends its parent. */
export type CellReply = { ok: true; result: CellResult } | { ok: false; error: string };

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? "{}") as CellSpec;
  const cell = CELLS[spec.system];
  if (!cell) throw new Error(`unknown system ${JSON.stringify(spec.system)}`);
  const result = await cell(spec);
  await reply({ ok: true, result });
}

function reply(message: CellReply): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      process.stdout.write(`${JSON.stringify(message)}\n`);
      return resolve();
    }
    process.send(message, () => resolve());
  });
}

main()
  .catch((error: unknown) =>
    reply({
      ok: false,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    }),
  )
  // Lingering handles (a pool's idle timer, a Redis reconnect) must not keep the cell alive.
  .finally(() => process.exit(0));
