/**
 * Shared setup for the examples: one SQLite file for checkpoints, the ledger and budgets, and a
 * gateway whose aliases use real providers when their key is set and the offline sim otherwise.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { formatUsd, type Gateway, type GatewayEvent } from "@conclave/models";
import { SqliteBudgetStore, SqliteLedger, SqliteSaver } from "@conclave/sqlite";
import { exampleGateway } from "./gateway.ts";

export interface ExampleEnv {
  saver: SqliteSaver;
  ledger: SqliteLedger;
  budgets: SqliteBudgetStore;
  gateway: Gateway;
  simulated: boolean;
  events: GatewayEvent[];
  close(): void;
}

/** Opens the example database and builds the gateway. */
export function setup(): ExampleEnv {
  const file = process.env.CONCLAVE_DATABASE_URL ?? ".conclave/conclave.db";
  mkdirSync(dirname(file), { recursive: true });
  const saver = SqliteSaver.fromConnString(file);
  const ledger = new SqliteLedger(saver.db);
  const budgets = new SqliteBudgetStore(saver.db);
  const events: GatewayEvent[] = [];
  const { gateway, simulated } = exampleGateway({
    ledger,
    budgets,
    onEvent: (e) => events.push(e),
  });
  return { saver, ledger, budgets, gateway, simulated, events, close: () => saver.close() };
}

/** Prints the ledger's cost per agent for a thread. */
export async function printCostByAgent(env: ExampleEnv, threadId: string): Promise<void> {
  const rows = await env.ledger.query({ groupBy: ["agent"], threadId });
  console.log("\nCost by agent:");
  for (const row of rows) {
    const tokens =
      row.tokens.inputNoCache +
      row.tokens.inputCacheRead +
      row.tokens.inputCacheWrite +
      row.tokens.outputText +
      row.tokens.outputReasoning;
    console.log(
      `  ${(row.key.agent ?? "(none)").padEnd(12)} ${String(row.calls).padStart(3)} calls ${String(tokens).padStart(6)} tokens  $${formatUsd(row.costPico, 6)}`,
    );
  }
}

/** Verifies and prints the thread's hash chain. */
export async function printVerified(env: ExampleEnv, threadId: string): Promise<void> {
  const verdict = await env.saver.verify(threadId);
  console.log(
    verdict.ok
      ? `\nHash chain verified: ${verdict.checked} checkpoints.`
      : `\nHash chain BROKEN at ${verdict.checkpointId}: ${verdict.reason}`,
  );
  if (!verdict.ok) process.exitCode = 1;
}

/** The banner every example prints. */
export function banner(name: string, env: ExampleEnv, threadId: string): void {
  console.log(`Conclave example "${name}": thread ${threadId}`);
  console.log(
    env.simulated
      ? "Models: the offline sim provider (outputs are simulated; set OPENAI_API_KEY or ANTHROPIC_API_KEY for real models)\n"
      : "Models: real provider from your API key\n",
  );
}
