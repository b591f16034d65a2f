/**
 * Platform kill test: two worker processes share one database (a SQLite file, or PostgreSQL)
 * and work 200 runs at once; one is SIGKILLed mid-way. The other must finish everything: its
 * sweeper requeues the dead worker's runs once its lease runs out, and each resumes from its
 * newest checkpoint. Every run must end `success` exactly once, no stored step may run again,
 * and nothing may be lost (see platform-checks.ts for the rules).
 *
 * On SQLite, wake-ups stay inside a process, so the survivor finds the requeued runs through
 * its safety pass (every 200 ms here); on PostgreSQL, through LISTEN/NOTIFY.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openPlatform, type Platform, Runtime } from "@conclave/runtime";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { checkRuns, type Submitted } from "./platform-checks.ts";
import { buildGraph, GRAPH_ID } from "./platform-graph.ts";
import { killLeftovers, startWorker, stopWorker, waitUntil } from "./platform-harness.ts";
import type { WorkerConfig } from "./platform-worker.ts";

const RUNS = 200;
/**
 * The doomed worker is killed once this many of its runs finished c1: with c2 four times
 * slower, that is mid fan-out for most of its runs (c1's write saved, c2 running), the case
 * where a resume must run only the unfinished sibling.
 */
const KILL_AFTER_C1 = 40;

const dir = mkdtempSync(join(tmpdir(), "conclave-platform-kill-"));
let database: TestDatabase | undefined;
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await database?.drop();
});
afterEach(async () => {
  expect(await killLeftovers(), "worker processes left running").toBe(0);
});

async function submitAll(runtime: Runtime, prefix: string): Promise<Submitted[]> {
  const runs: Submitted[] = [];
  for (let i = 0; i < RUNS; i++) {
    const threadId = `${prefix}-${i}`;
    const run = await runtime.submit({
      assistant: GRAPH_ID,
      thread: threadId,
      input: { n: i + 1 },
      durability: "sync",
    });
    runs.push({ runId: run.runId, threadId, n: i + 1 });
  }
  return runs;
}

const BACKENDS: [string, () => Promise<string>][] = [
  ["SQLite (one file, two processes)", async () => join(dir, "kill.db")],
  [
    "PostgreSQL (two processes, LISTEN/NOTIFY)",
    async () => {
      database = await createTestDatabase("platform_kill");
      return database.url;
    },
  ],
];

describe.each(BACKENDS)("platform kill test on %s", (_name, makeUrl) => {
  let url = "";
  let platform: Platform | undefined;
  let runtime: Runtime | undefined;
  beforeAll(async () => {
    url = await makeUrl();
    platform = await openPlatform(url);
    runtime = await Runtime.create({
      store: platform.store,
      graphs: { [GRAPH_ID]: buildGraph() },
      audit: { log: platform.audit, durability: "sync" },
    });
  });
  afterAll(async () => {
    await runtime?.close();
    await platform?.close();
  });

  it(`SIGKILL of a worker amid ${RUNS} concurrent runs: each completes exactly once`, async () => {
    const journal = join(dir, `journal-${platform!.kind}.log`);
    const runs = await submitAll(runtime!, `kill-${platform!.kind}`);
    const config: WorkerConfig = {
      url,
      journal,
      concurrency: 100,
      // A lapse needs 4 s without a heartbeat: generous, because a false one (a live worker
      // starved of CPU or of the SQLite write lock while the whole suite runs) breaks the test.
      leaseMs: 4_000,
      heartbeatMs: 250,
      safetyMs: 200,
      latencyMs: 20,
    };
    const [doomed, survivor] = await Promise.all([startWorker(config), startWorker(config)]);

    const c1Done = () => doomed.lines.filter((l) => l.startsWith("done ") && l.endsWith(" c1"));
    await doomed.until(() => c1Done().length >= KILL_AFTER_C1, `${KILL_AFTER_C1} c1 done`);
    doomed.signal("SIGKILL");
    expect(await doomed.exited).toBe("SIGKILL");
    const ended = async () => {
      const status = await runtime!.queueStatus();
      return status.pending + status.running === 0;
    };
    await waitUntil(ended, "every run to end", 60_000);
    await stopWorker(survivor);

    expect(survivor.has("log warn lease lost"), "the survivor's own lease lapsed").toBe(false);

    const report = await checkRuns(platform!, runs, journal, {
      pids: { [doomed.workerId]: doomed.pid, [survivor.workerId]: survivor.pid },
      lost: doomed.pid,
    });
    expect(report.problems).toEqual([]);
    // A run's end and its run.finished event are written together (finishAudited: one
    // SQLite commit; on PostgreSQL one statement, the event via the audit outbox, chained by the
    // survivor), so no kill can separate them.
    expect(report.unaudited).toEqual([]);
    expect(await runtime!.queueStatus()).toMatchObject({ pending: 0, running: 0, dead: 0 });
    // The kill landed mid-way: runs were taken over, and their steps in progress ran again.
    expect(report.recovered.length).toBeGreaterThanOrEqual(10);
    expect(report.repeated).toBeGreaterThan(0);
    expect(report.endedBy[survivor.workerId]).toBeGreaterThan(0);
    expect(await platform!.audit.verify("default")).toMatchObject({ ok: true });
  }, 90_000);
});
