/**
 * Fencing at the runtime level, on PostgreSQL, with real worker processes (the children of
 * test/kill/platform-worker.ts):
 * - two workers race over the same queue (LISTEN/NOTIFY wakes both, SKIP LOCKED lets one
 *   claim), and each run is executed by exactly one of them;
 * - a worker paused (SIGSTOP) with a checkpoint write and a finish on their way to the
 *   database loses its lease; another worker takes both runs over and ends them; when the
 *   paused worker continues, the store refuses both writes (LEASE_LOST), and the history, the
 *   state and the run records are the new owner's alone.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openPlatform, type Platform, Runtime } from "@conclave/runtime";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkRuns, type Submitted } from "../../../test/kill/platform-checks.ts";
import { buildGraph, GRAPH_ID } from "../../../test/kill/platform-graph.ts";
import {
  killLeftovers,
  startWorker,
  stopWorker,
  waitUntil,
} from "../../../test/kill/platform-harness.ts";
import type { WorkerConfig } from "../../../test/kill/platform-worker.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";

const dir = mkdtempSync(join(tmpdir(), "conclave-fencing-"));
let database: TestDatabase | undefined;
let platform: Platform | undefined;
let runtime: Runtime | undefined;
let config: WorkerConfig;

beforeAll(async () => {
  database = await createTestDatabase("fencing");
  platform = await openPlatform(database.url);
  runtime = await Runtime.create({
    store: platform.store,
    graphs: { [GRAPH_ID]: buildGraph() },
    audit: { log: platform.audit, durability: "sync" },
  });
  config = {
    url: database.url,
    journal: join(dir, "journal.log"),
    concurrency: 10,
    leaseMs: 3_000,
    heartbeatMs: 300,
    safetyMs: 200,
    latencyMs: 10,
  };
});
afterAll(async () => {
  await runtime?.close();
  await platform?.close();
  await database?.drop();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  expect(await killLeftovers(), "worker processes left running").toBe(0);
});

async function submit(runId: string, n: number): Promise<Submitted> {
  const threadId = `thread-${runId}`;
  await runtime!.submit({
    assistant: GRAPH_ID,
    thread: threadId,
    runId,
    input: { n },
    durability: "sync",
  });
  return { runId, threadId, n };
}

async function allEnded(): Promise<boolean> {
  const status = await runtime!.queueStatus();
  return status.pending + status.running === 0;
}

describe("fencing on PostgreSQL", () => {
  it("two workers race for 100 runs: each run is executed by exactly one of them", async () => {
    const [a, b] = await Promise.all([startWorker(config), startWorker(config)]);
    const runs: Submitted[] = [];
    for (let i = 0; i < 100; i++) runs.push(await submit(`race-${i}`, i + 1));
    await waitUntil(allEnded, "every run to end");
    await Promise.all([stopWorker(a), stopWorker(b)]);

    const report = await checkRuns(platform!, runs, config.journal, {
      pids: { [a.workerId]: a.pid, [b.workerId]: b.pid },
    });
    expect(report.problems).toEqual([]);
    expect(report.recovered).toEqual([]);
    expect(report.repeated).toBe(0);
    // Both took part: each holds at most 10 runs at once, so neither can have run them all alone.
    expect(report.endedBy[a.workerId]).toBeGreaterThan(0);
    expect(report.endedBy[b.workerId]).toBeGreaterThan(0);
  });

  it("a paused worker's late checkpoint write and finish are rejected; the new owner's stand", async () => {
    const stale = await startWorker({
      ...config,
      leaseMs: 2_000,
      hold: { putPrefix: "stale-put-", putStep: 3, finishPrefix: "stale-finish-" },
    });
    const runs = [await submit("stale-put-1", 7), await submit("stale-finish-1", 11)];
    const holding = () => stale.has("holding put stale-put-1") && stale.has("holding finish");
    await stale.until(holding, "both writes held");
    stale.signal("SIGSTOP");

    const owner = await startWorker(config);
    await waitUntil(allEnded, "the new owner to end both runs");
    stale.signal("SIGCONT");
    stale.send("go");
    const settled = (what: string, runId: string) =>
      stale.has(`rejected ${what} ${runId}`) || stale.has(`stored ${what} ${runId}`);
    const both = () => settled("put", "stale-put-1") && settled("finish", "stale-finish-1");
    await stale.until(both, "the late writes to reach the store");
    expect(stale.has("rejected put stale-put-1 LEASE_LOST"), "late put refused").toBe(true);
    expect(stale.has("rejected finish stale-finish-1 LEASE_LOST"), "late finish").toBe(true);
    const leaseLost = (runId: string) =>
      stale.lines.includes(`log warn lease lost; the run was left to its new owner ${runId}`);
    await stale.until(() => runs.every((r) => leaseLost(r.runId)), "lease-lost warnings");
    expect(stale.has("stored ")).toBe(false);
    await Promise.all([stopWorker(stale), stopWorker(owner)]);

    const report = await checkRuns(platform!, runs, config.journal, {
      pids: { [stale.workerId]: stale.pid, [owner.workerId]: owner.pid },
      lost: stale.pid,
    });
    expect(report.problems).toEqual([]);
    expect(report.recovered.sort()).toEqual(["stale-finish-1", "stale-put-1"]);
    for (const { runId } of runs) {
      expect(await runtime!.getRun("default", runId)).toMatchObject({
        status: "success",
        workerId: owner.workerId,
        attempt: 2,
        generation: 2,
      });
    }
    // The held checkpoint (step 3: c1 | c2) never landed. c1 had finished first and its write
    // was saved as a pending write under the old claim, so it was kept; only c2 and d ran
    // again, on the new owner. The held finish came after every checkpoint: the new owner ran
    // no node of that run, it only ended it.
    const by = async (threadId: string) =>
      ((await runtime!.store.threads.get("default", threadId))!.values as { by: unknown }).by;
    const [old, now] = [stale.pid, owner.pid];
    expect(await by(runs[0]!.threadId)).toEqual({ a: old, b: old, c1: old, c2: now, d: now });
    expect(await by(runs[1]!.threadId)).toEqual({ a: old, b: old, c1: old, c2: old, d: old });
  });
});
