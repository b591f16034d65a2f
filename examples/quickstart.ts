/**
 * `npm start`: a small research-brief workflow on the embedded SQLite default. It fans out to
 * three researchers with Send, joins their notes, loops a reviewer until the draft is good enough,
 * streams every step, then prints the thread's checkpoint history and verifies its hash chain.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { Annotation, END, Send, START, StateGraph } from "@conclave/core";
import { SqliteSaver } from "@conclave/sqlite";

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
  // A Send target receives the Send's argument, typed here as the state plus its topic.
  .addNode("research", (input: typeof State.State & { topic: string }) => ({
    notes: `${input.topic}: three findings about "${input.question}"`,
  }))
  .addNode("write", (s) => ({
    draft: `Brief (${s.notes.length} notes, revision ${s.revisions + 1})`,
    revisions: 1,
  }))
  .addNode("review", () => ({}))
  .addEdge(START, "plan")
  .addConditionalEdges("plan", (s) =>
    topics.map((topic) => new Send("research", { question: s.question, topic })),
  )
  .addEdge("research", "write")
  .addEdge("write", "review")
  .addConditionalEdges("review", (s) => (s.revisions < 2 ? "write" : END), ["write", END]);

const file = process.env.CONCLAVE_DATABASE_URL ?? ".conclave/conclave.db";
mkdirSync(dirname(file), { recursive: true });
const saver = SqliteSaver.fromConnString(file);
const app = graph.compile({ checkpointer: saver });
const threadId = `quickstart-${new Date().toISOString()}`;
const config = { configurable: { thread_id: threadId } };

console.log(`Conclave quickstart: thread ${threadId} in ${file}\n`);
for await (const [node, update] of streamUpdates(
  await app.stream({ question: "Should we adopt durable agents?" }, config),
)) {
  console.log(`  step  ${node.padEnd(9)} ${JSON.stringify(update)}`);
}

const final = await app.getState(config);
console.log(
  `\nResult: ${JSON.stringify(final.values.draft)} after ${final.values.revisions} revisions\n`,
);
console.log("Checkpoint history (newest first):");
for await (const snapshot of app.getStateHistory(config)) {
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
saver.close?.();
if (!verdict.ok) process.exitCode = 1;

async function* streamUpdates(stream: AsyncIterable<unknown>): AsyncGenerator<[string, unknown]> {
  for await (const chunk of stream) {
    for (const [node, update] of Object.entries(chunk as Record<string, unknown>))
      yield [node, update];
  }
}
