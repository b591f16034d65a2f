/**
 * `npm start`: a research-brief workflow on the embedded SQLite default, with model calls routed
 * through the gateway to the offline `sim` provider (no keys; every output is labelled
 * [simulated]). Three researchers run in parallel via Send, a writer streams its draft token by
 * token, a reviewer loops once. A per-thread budget is in effect. Afterwards it prints usage and
 * cost per step, the checkpoint history and the result of verifying the hash chain.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { Annotation, END, type NodeConfig, Send, START, StateGraph } from "@conclave/core";
import {
  createGateway,
  createRegistry,
  formatUsd,
  type GatewayEvent,
  usdToPico,
} from "@conclave/models";
import { SqliteBudgetStore, SqliteLedger, SqliteSaver } from "@conclave/sqlite";
import { generateText, streamText } from "ai";

const file = process.env.CONCLAVE_DATABASE_URL ?? ".conclave/conclave.db";
mkdirSync(dirname(file), { recursive: true });
const saver = SqliteSaver.fromConnString(file);
const ledger = new SqliteLedger(saver.db);
const budgets = new SqliteBudgetStore(saver.db);
const threadId = `quickstart-${new Date().toISOString()}`;

const registry = createRegistry({
  deployments: [
    { id: "sim-fast", alias: "fast", provider: "sim", model: "sim-fast" },
    {
      id: "sim-smart",
      alias: "smart",
      provider: "sim",
      model: "sim-smart",
      price: { input_cost_per_token: 0.000003, output_cost_per_token: 0.000015 },
    },
  ],
  sim: { seed: 7, timeToFirstTokenMs: 40, perTokenMs: 6 },
});
const alerts: string[] = [];
const gateway = createGateway({
  registry,
  aliases: { fast: { strategy: "cost" }, smart: { strategy: "ordered", downgradeTo: "fast" } },
  ledger,
  budgets,
  onEvent: (event: GatewayEvent) => {
    if (event.type === "budget:alert")
      alerts.push(
        `budget "${event.budgetId}" crossed ${event.threshold * 100}% ($${formatUsd(event.spentPico, 4)} of $${formatUsd(event.limitPico, 4)})`,
      );
  },
});
await budgets.setBudget({
  id: "this-run",
  scope: { kind: "thread", value: threadId },
  limitPico: usdToPico("0.05"),
  period: "none",
  action: "downgrade",
  alertThresholds: [0.05, 0.1, 0.5],
});

const State = Annotation.Root({
  question: Annotation<string>(),
  notes: Annotation<string[], string | string[]>({
    reducer: (a, b) => a.concat(b),
    default: () => [],
  }),
  draft: Annotation<string>(),
  revisions: Annotation<number, number>({ reducer: (a, b) => a + b, default: () => 0 }),
});
const topics = ["prior work", "costs", "risks"];

const graph = new StateGraph(State)
  .addNode("plan", () => ({}))
  .addNode(
    "research",
    async (input: typeof State.State & { topic: string }, config: NodeConfig) => {
      const { text } = await generateText({
        model: gateway.forNode(config).model("fast"),
        prompt: `Research ${input.topic} for: ${input.question}`,
        maxOutputTokens: 60,
      });
      return { notes: `${input.topic}: ${text}` };
    },
  )
  .addNode("write", async (state, config) => {
    const result = streamText({
      model: gateway.forNode(config).model("smart"),
      prompt: `Write a brief answering "${state.question}" from these notes:\n${state.notes.join("\n")}`,
      maxOutputTokens: 80,
    });
    return { draft: await result.text, revisions: 1 };
  })
  .addNode("review", async (state, config) => {
    await generateText({
      model: gateway.forNode(config).model("fast"),
      prompt: `Critique: ${state.draft}`,
      maxOutputTokens: 40,
    });
    return {};
  })
  .addEdge(START, "plan")
  .addConditionalEdges("plan", (s) => topics.map((topic) => new Send("research", { ...s, topic })))
  .addEdge("research", "write")
  .addEdge("write", "review")
  .addConditionalEdges("review", (s) => (s.revisions < 2 ? "write" : END), ["write", END]);

const app = graph.compile({ checkpointer: saver });
const config = {
  configurable: { thread_id: threadId },
  streamMode: ["updates", "messages"] as ("updates" | "messages")[],
};

console.log(`Conclave quickstart: thread ${threadId} in ${file}`);
console.log(
  "Models: the offline sim provider (simulated outputs, no keys); budget: $0.05 for this thread\n",
);
let streaming = "";
for await (const [mode, chunk] of (await app.stream(
  { question: "Should we adopt durable agents?" },
  config,
)) as AsyncIterable<[string, unknown]>) {
  if (mode === "messages") {
    const [message, meta] = chunk as [
      { content: string },
      { langgraph_node: string; conclave_deployment?: string },
    ];
    if (meta.langgraph_node !== "write") continue;
    if (streaming === "") process.stdout.write(`  write     [${meta.conclave_deployment}] `);
    streaming += message.content;
    process.stdout.write(message.content);
    continue;
  }
  if (streaming !== "") process.stdout.write("\n");
  streaming = "";
  for (const [node, update] of Object.entries(chunk as Record<string, unknown>)) {
    if (node === "write") continue;
    console.log(`  ${node.padEnd(9)} ${truncate(JSON.stringify(update), 110)}`);
  }
}

console.log("\nUsage and cost per step (from checkpoint metadata):");
const history = [];
for await (const snapshot of app.getStateHistory({ configurable: { thread_id: threadId } }))
  history.push(snapshot);
for (const snapshot of history.reverse()) {
  const tasks = (snapshot.metadata?.tasks ?? []) as {
    name: string;
    usage?: { deployment: string; tokens: Record<string, number>; costPico: bigint }[];
  }[];
  for (const task of tasks) {
    for (const u of task.usage ?? []) {
      const input = u.tokens.inputNoCache! + u.tokens.inputCacheRead! + u.tokens.inputCacheWrite!;
      const output = u.tokens.outputText! + u.tokens.outputReasoning!;
      console.log(
        `  step ${String(snapshot.metadata!.step).padStart(2)}  ${task.name.padEnd(9)} ${u.deployment.padEnd(10)} ${String(input).padStart(4)} in ${String(output).padStart(4)} out  $${formatUsd(u.costPico, 6)}`,
      );
    }
  }
}
const [total] = await ledger.query({ groupBy: [], threadId });
const [budget] = await budgets.status(new Date(), ["this-run"]);
console.log(
  `  total: ${total?.calls ?? 0} calls, $${formatUsd(total?.costPico ?? 0n, 6)}; budget left $${formatUsd(budget!.remainingPico, 6)} of $${formatUsd(budget!.budget.limitPico, 2)}`,
);
for (const alert of alerts) console.log(`  alert: ${alert}`);

console.log("\nCheckpoint history (newest first):");
for (const snapshot of history.reverse()) {
  const meta = snapshot.metadata!;
  console.log(
    `  step ${String(meta.step).padStart(2)}  ${meta.source.padEnd(6)} next=[${snapshot.next.join(", ")}]  ${snapshot.config.configurable.checkpoint_id}`,
  );
}
const verdict = await saver.verify(threadId);
console.log(
  verdict.ok
    ? `\nHash chain verified: ${verdict.checked} checkpoints, no tampering.`
    : `\nHash chain BROKEN at ${verdict.checkpointId}: ${verdict.reason}`,
);
console.log(`Check it yourself any time: npx conclave-verify ${file} ${threadId}`);
saver.close();
if (!verdict.ok) process.exitCode = 1;

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
