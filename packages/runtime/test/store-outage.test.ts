/**
 * How the runtime behaves while its database is unreachable, on a memory store made to fail the
 * way node-postgres does (errors with code ECONNREFUSED): a run whose checkpoint write fails
 * goes back to the queue instead of failing, a release that fails is retried until it lands,
 * and an audit append nobody awaits cannot crash the process. The real PostgreSQL outage is
 * packages/server/test/outage.test.ts.
 */
import {
  Annotation,
  type AuditLog,
  type CheckpointSaver,
  MemoryAuditLog,
  MemoryPlatformStore,
  StateGraph,
} from "@conclave/core";
import { isUnavailable, Runtime, type RuntimeLogger } from "@conclave/runtime";
import { afterEach, describe, expect, it } from "vitest";

const State = Annotation.Root({
  log: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

function refused(): Error {
  return Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
}

/** While `outage.down`, checkpoint writes and queue calls fail; `failWrites` fails only writes. */
const outage = { down: false, failWrites: 0 };

function failing<A extends unknown[], R>(call: (...args: A) => Promise<R>, writes = false) {
  return async (...args: A): Promise<R> => {
    if (outage.down) throw refused();
    if (writes && outage.failWrites > 0) {
      outage.failWrites--;
      throw refused();
    }
    return call(...args);
  };
}

function outageStore(): MemoryPlatformStore {
  const store = new MemoryPlatformStore();
  const { runs, workers } = store;
  for (const name of ["claim", "finish", "release"] as const)
    (runs[name] as unknown) = failing(runs[name].bind(runs) as () => Promise<unknown>);
  workers.heartbeat = failing(workers.heartbeat.bind(workers));
  workers.sweep = failing(workers.sweep.bind(workers));
  const fenced = store.fencedSaver.bind(store);
  store.fencedSaver = (fence): CheckpointSaver => {
    const saver = fenced(fence);
    saver.put = failing(saver.put.bind(saver), true);
    saver.putWrites = failing(saver.putWrites.bind(saver), true);
    return saver;
  };
  return store;
}

const calls = { a: 0, b: 0 };
let onNodeA: () => Promise<void> = async () => {};

function twoSteps() {
  return new StateGraph(State)
    .addNode("a", async () => {
      calls.a++;
      await onNodeA();
      return { log: ["a"] };
    })
    .addNode("b", () => {
      calls.b++;
      return { log: ["b"] };
    })
    .addEdge("__start__", "a")
    .addEdge("a", "b")
    .compile();
}

/** A node whose own call to some service is refused: the graph's failure, not the store's. */
function callsAService() {
  return new StateGraph(State)
    .addNode("fetch", () => {
      throw refused();
    })
    .addEdge("__start__", "fetch")
    .compile();
}

const messages: string[] = [];
const logger: RuntimeLogger = {
  debug: () => {},
  info: () => {},
  warn: (_obj, msg) => void messages.push(msg ?? ""),
  error: (_obj, msg) => void messages.push(msg ?? ""),
};

let runtime: Runtime | undefined;
afterEach(async () => {
  outage.down = false;
  outage.failWrites = 0;
  calls.a = calls.b = 0;
  onNodeA = async () => {};
  messages.length = 0;
  await runtime?.close(0);
  runtime = undefined;
});

async function start(audit?: AuditLog) {
  runtime = await Runtime.create({
    store: outageStore(),
    graphs: { two: twoSteps, service: callsAService },
    logger,
    ...(audit ? { audit: { log: audit, durability: "sync" as const } } : {}),
  });
  // A long lease: no sweeper may recover a run here, only its own worker.
  await runtime.startWorker({ leaseMs: 60_000, safetyMs: 50 });
  return runtime;
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("runs while the database is unreachable", () => {
  it("gives a run back when a checkpoint write is refused, and resumes it", async () => {
    const rt = await start();
    onNodeA = async () => {
      if (calls.a === 1) outage.failWrites = 1; // a's checkpoint write is refused
    };
    const run = await rt.submit({ assistant: "two", thread: "t", input: {} });
    const done = await rt.join("default", run.runId, AbortSignal.timeout(8_000));
    expect(done).toMatchObject({ status: "success", attempt: 2 });
    expect(messages).toContain("run given back to the queue");
    // a ran again, since its checkpoint was never stored; its state was applied once.
    expect(calls.a).toBe(2);
    expect((await rt.store.threads.get("default", "t"))?.values).toEqual({ log: ["a", "b"] });
  });

  it("still fails a run whose own node was refused a connection", async () => {
    const rt = await start();
    const run = await rt.submit({ assistant: "service", thread: "t", input: {} });
    const done = await rt.join("default", run.runId, AbortSignal.timeout(8_000));
    expect(done).toMatchObject({ status: "error", attempt: 1, error: { code: "ECONNREFUSED" } });
  });

  it("retries a release that failed, though the worker's lease never lapsed", async () => {
    const rt = await start();
    let resume: () => void = () => {};
    onNodeA = async () => {
      if (calls.a > 1) return;
      outage.down = true;
      await new Promise<void>((resolve) => {
        resume = resolve;
      });
    };
    const run = await rt.submit({ assistant: "two", thread: "t", input: {} });
    await until(() => outage.down, "the node to take the database down");
    resume(); // a's checkpoint write fails, then so does the release
    await until(() => messages.some((m) => m.startsWith("release failed")), "a failed release");
    outage.down = false;
    const done = await rt.join("default", run.runId, AbortSignal.timeout(8_000));
    expect(done).toMatchObject({ status: "success", attempt: 2 });
    expect((await rt.store.threads.get("default", "t"))?.values).toEqual({ log: ["a", "b"] });
  });

  it("logs a failed run.started audit append instead of leaving it unhandled", async () => {
    const log = new MemoryAuditLog();
    const append = log.append.bind(log);
    log.append = async (events) => {
      if (events.some((e) => e.kind === "run.started")) throw refused();
      return append(events);
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const rt = await start(log);
      const run = await rt.submit({ assistant: "two", thread: "t", input: {} });
      expect((await rt.join("default", run.runId)).status).toBe("success");
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      expect(messages).toContain("audit of run.started failed");
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});

describe("isUnavailable", () => {
  const coded = (code: string, message = "boom") => Object.assign(new Error(message), { code });

  it("recognises unreachable databases by code, message and wrapped cause", () => {
    expect(isUnavailable(refused())).toBe(true);
    expect(
      isUnavailable(coded("57P01", "terminating connection due to administrator command")),
    ).toBe(true);
    expect(isUnavailable(coded("57P03", "the database system is starting up"))).toBe(true);
    expect(isUnavailable(coded("SQLITE_BUSY"))).toBe(true);
    expect(isUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isUnavailable(new Error("timeout exceeded when trying to connect"))).toBe(true);
    expect(isUnavailable(new Error("query failed", { cause: refused() }))).toBe(true);
    expect(isUnavailable(new AggregateError([coded("ECONNREFUSED")], "connect failed"))).toBe(true);
  });

  it("leaves every other failure alone", () => {
    expect(isUnavailable(coded("23505", "duplicate key value"))).toBe(false);
    expect(isUnavailable(new Error("the reactor overheated"))).toBe(false);
    expect(isUnavailable(new Error("outer", { cause: new Error("inner") }))).toBe(false);
    expect(isUnavailable(undefined)).toBe(false);
    expect(isUnavailable("ECONNREFUSED")).toBe(false);
    const loop: { code?: string; cause?: unknown } = {};
    loop.cause = loop;
    expect(isUnavailable(loop)).toBe(false);
  });
});
