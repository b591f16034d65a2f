/**
 * A child process that appends to a shared audit log, for the multi-process audit tests. Run by
 * `node --import ./test/support/resolve-source.ts audit-worker.ts <kind> <target> <runs> <tag>
 * [schema]`, where kind is "sqlite" (target: file) or "postgres" (target: URL, with an optional
 * schema).
 *
 * Protocol on stdio, so the parent can start every worker's appends together without sleeping:
 * the worker opens the log, prints "ready" and waits for "go"; then appends one batch per run,
 * five runs at a time: run.created, run.started and run.finished on tenant "shared" plus one
 * model.call on tenant "other", so every batch spans two tenants. It prints "appended <n>"
 * (events) and exits.
 */
import { createInterface } from "node:readline";
import type { AuditLog, NewAuditEvent } from "@conclave/core";
import { PostgresAuditLog } from "@conclave/postgres";
import { SqliteAuditLog } from "@conclave/sqlite";

const [kind, target, runsText, tag, schema] = process.argv.slice(2);
const lines = createInterface({ input: process.stdin });
const input = lines[Symbol.asyncIterator]();

async function open(): Promise<{ log: AuditLog; close: () => Promise<void> }> {
  if (kind === "sqlite") {
    const log = SqliteAuditLog.fromConnString(target!);
    return { log, close: async () => log.close() };
  }
  const log = PostgresAuditLog.fromConnString(target!, schema ? { schema } : {});
  await log.setup();
  return { log, close: () => log.end() };
}

function batch(runId: string): NewAuditEvent[] {
  const actor = `worker:${tag}`;
  return [
    { tenant: "shared", kind: "run.created", actor, runId },
    { tenant: "other", kind: "model.call", actor, runId },
    { tenant: "shared", kind: "run.started", actor, runId },
    { tenant: "shared", kind: "run.finished", actor, runId, data: { status: "success" } },
  ];
}

const { log, close } = await open();
process.stdout.write("ready\n");
const go = await input.next();
if (go.done || go.value !== "go") throw new Error(`expected "go", got ${String(go.value)}`);
const runs = Number(runsText);
let appended = 0;
for (let i = 0; i < runs; i += 5) {
  const ids = Array.from({ length: Math.min(5, runs - i) }, (_, j) => `${tag}-${i + j}`);
  const stored = await Promise.all(ids.map((id) => log.append(batch(id))));
  appended += stored.flat().length;
}
await close();
lines.close();
// Exit only once the line is flushed: pipe writes are asynchronous.
process.stdout.write(`appended ${appended}\n`, () => process.exit(0));
