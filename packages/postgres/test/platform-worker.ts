/**
 * A child process that works the run queue of a shared PostgreSQL schema, for the two-process
 * test. Run by `node --import ./test/support/resolve-source.ts platform-worker.ts <url>
 * <schema> <workerId>`.
 *
 * Protocol on stdio, so the parent starts both workers together without sleeping: the worker
 * opens the store, registers, subscribes to wake-ups, prints "ready" and waits for "go"; then
 * claims runs, runs each through a graph whose checkpoints are fenced to the claim, finishes
 * it, and stops once no run is pending or running. It prints "finished <json array of run
 * ids>" and exits. With nothing to claim it waits for the next wake-up (the other process's
 * finish frees a thread), which it arms before claiming so none can slip past.
 */
import { createInterface } from "node:readline";
import { Annotation, type Run, StateGraph } from "@conclave/core";
import { PostgresPlatformStore } from "@conclave/postgres";

const [url, schema, workerId] = process.argv.slice(2) as [string, string, string];
const LEASE_MS = 60_000;
/** A lost wake-up (none should be) costs at most this long. */
const WAKE_TIMEOUT_MS = 500;
const lines = createInterface({ input: process.stdin });
const input = lines[Symbol.asyncIterator]();

const State = Annotation.Root({ n: Annotation<number>(), by: Annotation<string>() });
const graph = new StateGraph(State)
  .addNode("step", (s) => ({ n: s.n + 1, by: workerId }))
  .addEdge("__start__", "step")
  .compile();

const store = PostgresPlatformStore.fromConnString(url, { schema });
await store.workers.register(
  { workerId, graphIds: ["agent"], concurrency: 8 },
  new Date(),
  LEASE_MS,
);
let wake: () => void = () => {};
const unsubscribe = await store.subscribe(() => wake());
process.stdout.write("ready\n");
const go = await input.next();
if (go.done || go.value !== "go") throw new Error(`expected "go", got ${String(go.value)}`);

async function work(run: Run): Promise<string> {
  const fence = { runId: run.runId, generation: run.generation };
  const fenced = graph.withCheckpointer(store.fencedSaver(fence));
  const values = await fenced.invoke({ n: 0 }, { configurable: { thread_id: run.threadId } });
  await store.runs.finish(fence, { status: "success", values }, new Date());
  return run.runId;
}

function nextWake(): { woken: Promise<void>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const woken = new Promise<void>((resolve) => {
    wake = resolve;
    timer = setTimeout(resolve, WAKE_TIMEOUT_MS);
  });
  return { woken, cancel: () => clearTimeout(timer) };
}

const finished: string[] = [];
for (;;) {
  const next = nextWake();
  const claimed = await store.runs.claim({ workerId, limit: 8, now: new Date() });
  finished.push(...(await Promise.all(claimed.map(work))));
  if (claimed.length === 0) {
    const { pending, running } = await store.runs.status(new Date());
    if (pending === 0 && running === 0) break;
    await next.woken;
  }
  next.cancel();
}
await unsubscribe();
await store.workers.deregister(workerId);
await store.close();
lines.close();
// Exit only once the line is flushed: pipe writes are asynchronous.
process.stdout.write(`finished ${JSON.stringify(finished)}\n`, () => process.exit(0));
