/**
 * Child process of the platform kill and fencing tests: one Runtime with one worker on a shared
 * database (a SQLite file or a postgres:// URL), executing the `chain` workflow.
 *
 * Stdout protocol, one line each: `ready <workerId> <pid>`; `done <runId> <node>` after a node's
 * work; `finished <runId> <status>` after this worker ended a run; `log <level> <message>
 * <runId>` for the runtime's warnings and errors; for the held writes (below) `holding <what>
 * <runId>`, then `rejected <what> <runId> <code>` or `stored <what> <runId>`.
 * Stdin: `go` releases held writes; `stop` drains the worker, closes the store and exits 0.
 *
 * Fault injection: with `hold` set, this worker wraps its store so that the fenced checkpoint
 * write of step `hold.putStep` of runs whose ids start with `hold.putPrefix`, and the finish of
 * runs whose ids start with `hold.finishPrefix`, wait for `go` before they reach the database:
 * the writes of a worker that paused at the worst moment.
 *
 * usage: node --import test/support/resolve-source.ts platform-worker.ts '<WorkerConfig JSON>'
 */
import { createInterface } from "node:readline";
import type { CheckpointSaver, Fence, PlatformStore, RunOutcome } from "@conclave/core";
import { openPlatform, Runtime, type RuntimeLogger } from "@conclave/runtime";
import { buildGraph, GRAPH_ID } from "./platform-graph.ts";

/** What the parent passes as the first argument (JSON). */
export interface WorkerConfig {
  url: string;
  journal: string;
  concurrency: number;
  leaseMs: number;
  heartbeatMs: number;
  safetyMs: number;
  latencyMs: number;
  /** Writes that wait for `go`: a checkpoint of step `putStep`, or a finish, by run-id prefix. */
  hold?: { putPrefix?: string; putStep?: number; finishPrefix?: string };
}

const say = (line: string) => process.stdout.write(`${line}\n`);

function lineLogger(): RuntimeLogger {
  const log = (level: string) => (obj: object, msg?: string) => {
    const runId = (obj as { runId?: string }).runId ?? "-";
    say(`log ${level} ${msg ?? ""} ${runId}`.replace(/\s+/g, " "));
  };
  return { debug: () => {}, info: () => {}, warn: log("warn"), error: log("error") };
}

/** Releases every held write at the next `go`. */
const gate = {
  waiting: [] as (() => void)[],
  hold(): Promise<void> {
    return new Promise((release) => gate.waiting.push(release));
  },
  open(): void {
    for (const release of gate.waiting.splice(0)) release();
  },
};

/** Runs `write` after `go`, reporting whether the store took it or refused it. */
async function held<T>(what: string, runId: string, write: () => Promise<T>): Promise<T> {
  say(`holding ${what} ${runId}`);
  await gate.hold();
  try {
    const result = await write();
    say(`stored ${what} ${runId}`);
    return result;
  } catch (error) {
    say(`rejected ${what} ${runId} ${(error as { code?: string }).code ?? "?"}`);
    throw error;
  }
}

/** Wraps the store's fenced savers and its finish so the chosen writes wait for `go`. */
function holdWrites(store: PlatformStore, hold: NonNullable<WorkerConfig["hold"]>): void {
  const fenced = store.fencedSaver.bind(store);
  store.fencedSaver = (fence: Fence): CheckpointSaver => {
    const saver = fenced(fence);
    const put = saver.put.bind(saver);
    saver.put = (config, checkpoint, metadata) => {
      const write = () => put(config, checkpoint, metadata);
      const chosen =
        hold.putPrefix !== undefined &&
        fence.runId.startsWith(hold.putPrefix) &&
        metadata.step === hold.putStep;
      return chosen ? held("put", fence.runId, write) : write();
    };
    return saver;
  };
  const chosenFinish = (fence: Fence) =>
    hold.finishPrefix !== undefined && fence.runId.startsWith(hold.finishPrefix);
  const finish = store.runs.finish.bind(store.runs);
  store.runs.finish = (fence: Fence, outcome: RunOutcome, now: Date) => {
    const write = () => finish(fence, outcome, now);
    return chosenFinish(fence) ? held("finish", fence.runId, write) : write();
  };
  // Under `sync` audit the runtime ends runs through finishAudited: hold that too.
  const finishAudited = store.runs.finishAudited?.bind(store.runs);
  if (finishAudited === undefined) return;
  store.runs.finishAudited = (fence, outcome, now, audit) => {
    const write = () => finishAudited(fence, outcome, now, audit);
    return chosenFinish(fence) ? held("finish", fence.runId, write) : write();
  };
}

async function main(config: WorkerConfig): Promise<void> {
  const platform = await openPlatform(config.url);
  if (config.hold) holdWrites(platform.store, config.hold);
  const graph = buildGraph({
    journal: config.journal,
    latencyMs: config.latencyMs,
    onDone: (runId, node) => say(`done ${runId} ${node}`),
  });
  const runtime = await Runtime.create({
    store: platform.store,
    graphs: { [GRAPH_ID]: graph },
    logger: lineLogger(),
    audit: { log: platform.audit, durability: "sync" },
  });
  runtime.afterRun((run) => {
    say(`finished ${run.runId} ${run.status}`);
  });
  const worker = await runtime.startWorker({
    concurrency: config.concurrency,
    leaseMs: config.leaseMs,
    heartbeatMs: config.heartbeatMs,
    safetyMs: config.safetyMs,
  });
  say(`ready ${worker.workerId} ${process.pid}`);
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === "go") gate.open();
    if (line === "stop") break;
  }
  await runtime.close(10_000);
  await platform.close();
  say("stopped");
  // stdin stays open (the parent holds it), so leave explicitly once everything is closed.
  process.exit(0);
}

// Only as a script: the tests import this module for its types.
if (process.argv[1]?.endsWith("platform-worker.ts"))
  await main(JSON.parse(process.argv[2]!) as WorkerConfig);
