/**
 * A child process that spends against a shared budget, for the multi-process budget tests.
 * Run by `node --import ./test/support/resolve-source.ts budget-worker.ts <kind> <target>
 * <budgetId> <attempts> <costPico> <tag> [schema]`, where kind is "sqlite" (target: file) or
 * "postgres" (target: URL, with an optional schema).
 *
 * Protocol on stdio, so the parent can start every worker's calls together without sleeping:
 * the worker opens the store, prints "ready" and waits for "go"; then makes its reserve+settle
 * calls one after another, prints "admitted <n>" and exits.
 */
import { createInterface } from "node:readline";
import type { BudgetStore } from "@conclave/core";
import { PostgresBudgetStore } from "@conclave/postgres";
import { SqliteBudgetStore } from "@conclave/sqlite";

const [kind, target, budgetId, attemptsText, costText, tag, schema] = process.argv.slice(2);
const lines = createInterface({ input: process.stdin });
const input = lines[Symbol.asyncIterator]();

async function open(): Promise<{ store: BudgetStore; close: () => Promise<void> }> {
  if (kind === "sqlite") {
    const store = SqliteBudgetStore.fromConnString(target!);
    return { store, close: async () => store.close() };
  }
  const store = PostgresBudgetStore.fromConnString(target!, schema ? { schema } : {});
  await store.setup();
  return { store, close: () => store.end() };
}

const { store, close } = await open();
const cost = BigInt(costText!);
process.stdout.write("ready\n");
const go = await input.next();
if (go.done || go.value !== "go") throw new Error(`expected "go", got ${String(go.value)}`);
// BUDGET_WORKER_ACTUAL: reserve as the gateway does (`reserveApplicable`) and spend this much.
const actualText = process.env.BUDGET_WORKER_ACTUAL;
let admitted = 0;
for (let i = 0; i < Number(attemptsText); i++) {
  const reservationId = `${tag}-${i}`;
  const now = new Date("2026-11-22T14:15:00.000Z");
  const result =
    actualText === undefined
      ? await store.reserve({ reservationId, budgetIds: [budgetId!], amountPico: cost, now })
      : await store.reserveApplicable!({
          reservationId,
          amountPico: cost,
          now,
          applies: (budget) => budget.id === budgetId,
        });
  if (!result.ok) continue;
  await store.settle(reservationId, actualText === undefined ? cost : BigInt(actualText), now);
  admitted++;
  // A model call awaits I/O between reserving and settling; let other turns run.
  if (actualText !== undefined) await new Promise((resolve) => setImmediate(resolve));
}
await close();
lines.close();
// Exit only once the line is flushed: pipe writes are asynchronous.
process.stdout.write(`admitted ${admitted}\n`, () => process.exit(0));
