/**
 * `npm run example -- triage`: simple requests take the fast path (one agent on the cheap alias);
 * complex ones go to a council. The decision and its reason are recorded.
 */
import { createAgent, createCouncil, createTriage } from "@conclave/agents";
import { banner, printCostByAgent, printVerified, setup } from "./lib/setup.ts";

const env = setup();
banner("triage", env, "(two threads)");
const triage = createTriage({
  classify: {
    // Rules first: short questions are fast; the cheap model decides the rest.
    rules: (text) => (text.split(/\s+/).length <= 8 ? "fast" : undefined),
    model: { gateway: env.gateway, alias: "fast" },
  },
  fast: createAgent({ model: { gateway: env.gateway, alias: "fast" }, name: "responder" }),
  deliberate: createCouncil({
    members: [
      { name: "analyst", model: { gateway: env.gateway, alias: "smart" } },
      { name: "skeptic", model: { gateway: env.gateway, alias: "fast" } },
    ],
    phases: 2,
  }),
  checkpointer: env.saver,
});

for (const question of [
  "What is a vector database?",
  "We run payments for 40 countries; should we split our monolith into services before or after the EU expansion, given a team of six?",
]) {
  const threadId = `triage-${new Date().toISOString()}-${question.length}`;
  const out = await triage.invoke(
    { messages: [["user", question]] },
    { configurable: { thread_id: threadId } },
  );
  console.log(`Q: ${question}`);
  console.log(
    `  route: ${out.triage.route} (by ${out.triage.by}: ${out.triage.reason.slice(0, 80)})`,
  );
  console.log(`  answer: ${String(out.messages.at(-1)?.content).slice(0, 120)}`);
  await printCostByAgent(env, threadId);
  await printVerified(env, threadId);
  console.log("");
}
env.close();
