/**
 * Acceptance: "Database outage: PostgreSQL is stopped and restarted mid-load. /health/ready
 * goes red, the API answers 503 with Retry-After, nothing crashes, and every run completes
 * afterwards."
 *
 * A real server on 127.0.0.1 over its own PostgreSQL, with a worker in process and one in a
 * child process. Clients submit N runs over the LangGraph API (retrying 503s); once a third
 * are in and runs are mid-node, PostgreSQL stops (a fast shutdown: sessions are terminated).
 * While it is down, readiness and every API request must answer 503 with Retry-After and the
 * standard error shape within a bounded time, and the workers' checkpoint writes, releases,
 * heartbeats and sweeps fail. Then PostgreSQL starts again on the same port and data: every
 * run must end `success`, each step applied once and each run finished once, and no process
 * may have crashed.
 */
import type { AddressInfo } from "node:net";
import { newApiKey, type Run } from "@conclave/core";
import { openPlatform, type Platform, Runtime, type RuntimeLogger } from "@conclave/runtime";
import { API_EXTENSIONS, API_MODULES, buildServer } from "@conclave/server";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "./langgraph-fixtures.ts";
import {
  type Answer,
  type ChildWorker,
  caller,
  inNode,
  type LoadSeen,
  outageGraph,
  type StoppablePostgres,
  spawnChildWorker,
  startLoad,
  startStoppablePostgres,
} from "./outage-support.ts";

const N = 150;
const CLIENTS = 8;
const TENANT = "acme";

let pg: StoppablePostgres;
let platform: Platform;
let runtime: Runtime;
let app: FastifyInstance;
let child: ChildWorker;
let call: ReturnType<typeof caller>;
const crashes: string[] = [];
const onCrash = (error: unknown) => crashes.push(String((error as Error)?.stack ?? error));

/** The runtime's log messages: the test waits for the failures it expects to see. */
const logs: string[] = [];
const logger: RuntimeLogger = {
  debug: () => {},
  info: () => {},
  warn: (_obj, msg) => void logs.push(msg ?? ""),
  error: (_obj, msg) => void logs.push(msg ?? ""),
};

beforeAll(async () => {
  process.on("unhandledRejection", onCrash);
  process.on("uncaughtException", onCrash);
  pg = await startStoppablePostgres();
  platform = await openPlatform(pg.url, { onError: () => {} });
  runtime = await Runtime.create({
    store: platform.store,
    graphs: { outage: outageGraph },
    logger,
    audit: { log: platform.audit },
  });
  await runtime.startWorker({ workerId: "here", concurrency: 5, heartbeatMs: 250, safetyMs: 500 });
  const now = new Date();
  const made = newApiKey({ keyId: "k1", tenant: TENANT, name: "load", scopes: ["admin"], now });
  await platform.keys.create(made.key, made.hash);
  app = await buildServer({
    runtime,
    keys: platform.keys,
    modules: API_MODULES,
    extensions: API_EXTENSIONS,
    logger: false,
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  call = caller(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, made.secret);
  child = spawnChildWorker(pg.url, "child");
  await child.waitFor("ready");
});

afterAll(async () => {
  await child?.stop();
  await app?.close();
  await runtime?.close(0);
  await platform?.close();
  await pg?.destroy();
  process.off("unhandledRejection", onCrash);
  process.off("uncaughtException", onCrash);
});

function expectUnavailable(answer: Answer, what: string): void {
  expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBe(503);
  expect(Number(answer.retryAfter), what).toBeGreaterThan(0);
  expect(answer.body, what).toEqual({ detail: expect.any(String), code: "UNAVAILABLE" });
}

/** While the database is down: readiness is red, liveness green, and the API answers 503. */
async function expectRedWhileDown(seen: LoadSeen): Promise<void> {
  const ready = await call("GET", "/health/ready");
  expect(ready.status).toBe(503);
  expect(ready.retryAfter).toBe("5");
  expect(ready.body).toMatchObject({ status: "unavailable" });
  expect((await call("GET", "/health/live")).status).toBe(200);
  const [runId, threadId] = [...seen.accepted][0]!;
  const probes: [string, string, unknown?][] = [
    ["GET", `/threads/${threadId}`],
    ["GET", `/threads/${threadId}/state`],
    ["GET", `/threads/${threadId}/runs/${runId}`],
    ["POST", `/threads/${threadId}/runs`, { assistant_id: "outage", input: { n: -1 } }],
    ["POST", "/threads", {}],
    ["POST", "/threads/search", { limit: 5 }],
    ["POST", "/runs/wait", { assistant_id: "outage", input: { n: -1 } }],
    ["POST", "/assistants/search", {}],
  ];
  for (const [method, path, body] of probes)
    expectUnavailable(await call(method, path, body), `${method} ${path}`);
  // Stay down until clients were refused and every worker duty failed at least once: a
  // checkpoint write (the run given back), its release, and the heartbeats and sweeps.
  await eventually(
    async () =>
      seen.unavailable.length > 0 &&
      logs.includes("run given back to the queue") &&
      logs.includes("release failed; retrying on the safety pass") &&
      logs.filter((m) => m === "worker timer task failed").length >= 4
        ? true
        : undefined,
    "the outage to reach clients and workers",
  );
}

/** Waits until every run succeeded; fails at once if one ends in any other state. */
async function allSucceeded(): Promise<Run[]> {
  let last: Run[] = [];
  return eventually(
    async () => {
      last = await runtime.store.runs.list({ tenant: TENANT, limit: 1000 });
      const bad = last.filter((r) => !["pending", "running", "success"].includes(r.status));
      if (bad.length > 0) throw new Error(`runs ended badly: ${JSON.stringify(bad)}`);
      return last.length >= N && last.every((r) => r.status === "success") ? last : undefined;
    },
    "every run to succeed",
    30_000,
  ).catch((error: Error) => {
    const open = last.filter((r) => r.status !== "success");
    throw new Error(`${error.message}; not done: ${JSON.stringify(open)}; logs: ${logs}`);
  });
}

/** Each step applied once (a thread with k runs logged plan and act k times each). */
async function expectStepsAppliedOnce(runs: Run[]): Promise<void> {
  const perThread = new Map<string, number>();
  for (const run of runs) perThread.set(run.threadId, (perThread.get(run.threadId) ?? 0) + 1);
  for (const [thread, k] of perThread) {
    const state = await call("GET", `/threads/${thread}/state`);
    const log = (state.body as { values: { log: string[] } }).values.log;
    expect(log.toSorted()).toEqual([...Array(k).fill("act"), ...Array(k).fill("plan")]);
  }
}

/** Each run finished exactly once: the audit trail records every finish. */
async function expectFinishedOnce(runs: Run[]): Promise<void> {
  await runtime.audit?.flush();
  const finished = await platform.audit.list({ tenant: TENANT, kinds: ["run.finished"] });
  const count = new Map<string, number>();
  for (const event of finished) count.set(event.runId!, (count.get(event.runId!) ?? 0) + 1);
  for (const run of runs) expect(count.get(run.runId), run.runId).toBe(1);
}

describe("database outage", () => {
  it("goes red, answers 503 with Retry-After, and completes every run after the restart", async () => {
    const started = Date.now();
    const { seen, done } = startLoad(call, N, CLIENTS);
    await eventually(
      async () => (seen.accepted.size >= N / 3 && inNode.count >= 2 ? true : undefined),
      "runs in flight, a third of the load in",
      20_000,
    );
    await pg.stop();
    const stoppedAt = Date.now();
    await expectRedWhileDown(seen);
    await pg.start();
    const restartedAt = Date.now();
    await eventually(
      async () => ((await call("GET", "/health/ready")).status === 200 ? true : undefined),
      "readiness after the restart",
    );
    await done;
    const runs = await allSucceeded();

    expect(seen.other).toEqual([]);
    expect(seen.accepted.size).toBe(N);
    const ids = new Set(runs.map((r) => r.runId));
    expect([...seen.accepted.keys()].filter((id) => !ids.has(id))).toEqual([]);
    for (const answer of seen.unavailable) expectUnavailable(answer, "a refused submission");
    await expectStepsAppliedOnce(runs);
    // Nothing crashed: no unhandled error here or in the child, which drains and exits 0.
    expect(child.fatal).toEqual([]);
    expect(child.exitCode()).toBeNull();
    expect(await child.stop()).toBe(0);
    expect(crashes).toEqual([]);
    await expectFinishedOnce(runs);
    expect(runs.filter((r) => r.workerId === "child").length).toBeGreaterThan(0);

    const slowest = Math.max(...seen.unavailable.map((a) => a.ms));
    console.log(
      `outage: ${runs.length} runs (${N} submitted), down ${restartedAt - stoppedAt} ms, ` +
        `${seen.unavailable.length} submissions refused with 503 (slowest ${slowest} ms), ` +
        `all succeeded ${Date.now() - restartedAt} ms after the restart, ` +
        `test ${Date.now() - started} ms`,
    );
  });
});
