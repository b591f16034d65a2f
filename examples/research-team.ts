/**
 * `npm start` / `npm run example -- research-team [--yes]`: a supervisor routes a research request
 * among a researcher, a writer and a critic. The critic's `publish_report` tool needs approval:
 * the run pauses and asks in the terminal (or approves automatically with --yes, or when stdin is
 * not a terminal). Tokens stream as agents write; a budget is in effect; afterwards it prints
 * cost per agent and verifies the thread's hash chain. Runs offline on the sim provider unless
 * OPENAI_API_KEY or ANTHROPIC_API_KEY is set.
 */
import { createInterface } from "node:readline/promises";
import { Command, type Interrupt } from "@conclave/core";
import { formatUsd, usdToPico } from "@conclave/models";
import { buildResearchTeam } from "./graphs/research-team.ts";
import { banner, printCostByAgent, printVerified, setup } from "./lib/setup.ts";

const autoApprove = process.argv.includes("--yes") || !process.stdin.isTTY;
const env = setup();
const threadId = `research-team-${new Date().toISOString()}`;
banner("research-team", env, threadId);
await env.budgets.setBudget({
  id: `team-${threadId}`,
  scope: { kind: "thread", value: threadId },
  limitPico: usdToPico("0.50"),
  period: "none",
  action: "pause",
  alertThresholds: [0.01, 0.5],
});

const team = buildResearchTeam(env.gateway, { checkpointer: env.saver });

const config = {
  configurable: { thread_id: threadId },
  streamMode: ["messages", "custom"] as ("messages" | "custom")[],
};
let input: Parameters<typeof team.stream>[0] = {
  messages: [["user", "Research durable agent runtimes and publish a short report"]],
};
const rl = autoApprove
  ? undefined
  : createInterface({ input: process.stdin, output: process.stdout });
for (;;) {
  await streamRun(input);
  const pending = (await team.getState({ configurable: { thread_id: threadId } })).tasks.flatMap(
    (t) => t.interrupts,
  );
  if (pending.length === 0) break;
  input = new Command({ resume: await ask(pending[0]!) });
}
rl?.close();

const [budget] = await env.budgets.status(new Date(), [`team-${threadId}`]);
console.log(
  `\nBudget: $${formatUsd(budget!.spentPico, 6)} spent of $${formatUsd(budget!.budget.limitPico, 2)}`,
);
for (const event of env.events)
  if (event.type === "budget:alert")
    console.log(`  alert: crossed ${event.threshold * 100}% of the budget`);
console.log("\nModel calls (from the ledger):");
for (const call of await env.ledger.list({ threadId })) {
  const input = call.tokens.inputNoCache + call.tokens.inputCacheRead + call.tokens.inputCacheWrite;
  const output = call.tokens.outputText + call.tokens.outputReasoning;
  console.log(
    `  ${(call.agent ?? "").padEnd(11)} ${call.alias.padEnd(6)} -> ${call.deployment.padEnd(10)} ${String(input).padStart(5)} in ${String(output).padStart(4)} out  $${formatUsd(call.costPico, 6)}${call.streamed ? "  streamed" : ""}`,
  );
}
await printCostByAgent(env, threadId);
await printVerified(env, threadId);
env.close();

async function streamRun(value: Parameters<typeof team.stream>[0]): Promise<void> {
  let speaker = "";
  for await (const [mode, chunk] of (await team.stream(value, config)) as AsyncIterable<
    [string, unknown]
  >) {
    if (mode === "custom") {
      const event = chunk as { type?: string; to?: string; reason?: string };
      if (event.type === "handoff") {
        speaker = "";
        console.log(
          `\n-> supervisor hands off to ${event.to} (${(event as { by?: string }).by}: ${event.reason?.slice(0, 60)})`,
        );
      }
      continue;
    }
    const [message, meta] = chunk as [{ content: string }, { conclave_agent?: string }];
    const agent = meta.conclave_agent;
    if (!agent || agent === "supervisor" || !message.content) continue;
    if (agent !== speaker) process.stdout.write(`\n   ${agent}: `);
    speaker = agent;
    process.stdout.write(message.content);
  }
  process.stdout.write("\n");
}

async function ask(
  request: Interrupt,
): Promise<{ approved: boolean; by: string; reason?: string }> {
  const value = request.value as { tool?: string; args?: { title?: string }; reason?: string };
  console.log(
    `\n?? Approval needed: ${value.tool} ${JSON.stringify(value.args?.title ?? value.args)} (${value.reason ?? "policy"})`,
  );
  if (autoApprove) {
    console.log("   approved automatically (--yes)");
    return { approved: true, by: "auto" };
  }
  const answer = (await rl!.question("   Approve? [y/N] ")).trim().toLowerCase();
  return answer === "y" || answer === "yes"
    ? { approved: true, by: "terminal" }
    : { approved: false, by: "terminal", reason: "declined in the terminal" };
}
