/**
 * A child process that works the run queue of a shared SQLite file, for the two-process test.
 * Run by `node --import ./test/support/resolve-source.ts platform-worker.ts <file> <workerId>`.
 *
 * Protocol on stdio, so the parent starts both workers together without sleeping: the worker
 * opens the store, registers, prints "ready" and waits for "go"; then claims runs, runs each
 * through a graph whose checkpoints are fenced to the claim, finishes it, and stops once no
 * run is pending or running. It prints "spans <json>" (each run's thread, when its claim had
 * returned and when its finish was asked for, by this machine's clock), then "finished <json
 * array of run ids>", and exits.
 */
import { createInterface } from "node:readline";
import { Annotation, type Run, StateGraph } from "@conclave/core";
import { SqlitePlatformStore } from "@conclave/sqlite";

const [file, workerId] = process.argv.slice(2) as [string, string];
const LEASE_MS = 60_000;
const lines = createInterface({ input: process.stdin });
const input = lines[Symbol.asyncIterator]();

const State = Annotation.Root({ n: Annotation<number>(), by: Annotation<string>() });
const graph = new StateGraph(State)
  .addNode("step", (s) => ({ n: s.n + 1, by: workerId }))
  .addEdge("__start__", "step")
  .compile();

const store = SqlitePlatformStore.fromConnString(file);
await store.workers.register(
  { workerId, graphIds: ["agent"], concurrency: 4 },
  new Date(),
  LEASE_MS,
);
process.stdout.write("ready\n");
const go = await input.next();
if (go.done || go.value !== "go") throw new Error(`expected "go", got ${String(go.value)}`);

const spans: { threadId: string; claimed: number; ending: number }[] = [];

async function work(run: Run, claimed: number): Promise<string> {
  const fence = { runId: run.runId, generation: run.generation };
  const fenced = graph.withCheckpointer(store.fencedSaver(fence));
  const values = await fenced.invoke({ n: 0 }, { configurable: { thread_id: run.threadId } });
  spans.push({ threadId: run.threadId, claimed, ending: Date.now() });
  await store.runs.finish(fence, { status: "success", values }, new Date());
  return run.runId;
}

const finished: string[] = [];
for (;;) {
  const claimed = await store.runs.claim({ workerId, limit: 4, now: new Date() });
  const at = Date.now();
  finished.push(...(await Promise.all(claimed.map((run) => work(run, at)))));
  if (claimed.length > 0) continue;
  const { pending, running } = await store.runs.status(new Date());
  if (pending === 0 && running === 0) break;
  // The other process holds the threads of the runs still pending: look again shortly (the
  // wake-ups of another process's finish do not cross processes).
  await new Promise((resolve) => setTimeout(resolve, 1));
}
await store.workers.deregister(workerId);
await store.close();
lines.close();
process.stdout.write(`spans ${JSON.stringify(spans)}\n`);
// Exit only once the line is flushed: pipe writes are asynchronous.
process.stdout.write(`finished ${JSON.stringify(finished)}\n`, () => process.exit(0));
