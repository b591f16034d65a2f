/**
 * `npm run example -- council-qa`: three council members answer a question in parallel, review
 * each other round robin, and vote; a budget caps the run and each member's cost is metered.
 */
import { createCouncil } from "@conclave/agents";
import { formatUsd, usdToPico } from "@conclave/models";
import { banner, printCostByAgent, printVerified, setup } from "./lib/setup.ts";

const env = setup();
const threadId = `council-qa-${new Date().toISOString()}`;
banner("council-qa", env, threadId);
await env.budgets.setBudget({
  id: `council-${threadId}`,
  scope: { kind: "thread", value: threadId },
  limitPico: usdToPico("0.25"),
  period: "none",
  action: "fail",
});

const council = createCouncil({
  members: [
    {
      name: "analyst",
      model: { gateway: env.gateway, alias: "smart" },
      persona: "You are a careful analyst.",
    },
    {
      name: "skeptic",
      model: { gateway: env.gateway, alias: "fast" },
      persona: "You look for what could go wrong.",
    },
    {
      name: "builder",
      model: { gateway: env.gateway, alias: "fast" },
      persona: "You care about what ships.",
    },
  ],
  decide: "vote",
  checkpointer: env.saver,
});
const out = await council.invoke(
  { messages: [["user", "Should a small team run its own vector database?"]] },
  { configurable: { thread_id: threadId } },
);

for (const [member, answer] of Object.entries(out.answers))
  console.log(`  ${member.padEnd(8)} ${answer.slice(0, 100)}`);
console.log("\nReviews:");
for (const r of out.reviews)
  console.log(
    `  ${r.reviewer} -> ${r.target}: ${r.score}/10 ${r.verdict}${r.issues.length ? ` (${r.issues.join("; ").slice(0, 60)})` : ""}`,
  );
console.log(
  `\nVotes: ${Object.entries(out.votes)
    .map(([m, v]) => `${m}->${v}`)
    .join(", ")}`,
);
console.log(
  `Decision (${out.decision.method}): ${out.decision.winner} with agreement ${out.decision.agreement.toFixed(2)}`,
);
console.log(`  ${out.decision.answer.slice(0, 160)}`);
const [budget] = await env.budgets.status(new Date(), [`council-${threadId}`]);
console.log(
  `Budget: $${formatUsd(budget!.spentPico, 6)} spent of $${formatUsd(budget!.budget.limitPico, 2)}`,
);
await printCostByAgent(env, threadId);
await printVerified(env, threadId);
env.close();
