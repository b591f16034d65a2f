/**
 * The server's side of a database outage, on a memory store made to fail the ways drivers do:
 * every such failure is a 503 with Retry-After in the standard error shape (also when a layer
 * wrapped the driver's error in a `cause`), readiness goes red, and an ordinary bug stays a
 * 500. The real PostgreSQL outage is outage.test.ts.
 */
import { MemoryPlatformStore } from "@conclave/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { langGraphApi } from "../src/langgraph/index.ts";
import { startTestServer, type TestServer } from "./harness.ts";
import { graphs } from "./langgraph-fixtures.ts";

const store = new MemoryPlatformStore();
let failure: unknown;
const get = store.threads.get.bind(store.threads);
store.threads.get = async (...args) => {
  if (failure !== undefined) throw failure;
  return get(...args);
};
let updateFailure: unknown;
const update = store.threads.update.bind(store.threads);
store.threads.update = async (...args) => {
  if (updateFailure !== undefined) throw updateFailure;
  return update(...args);
};
let pingFailure: unknown;
store.ping = async () => {
  if (pingFailure !== undefined) throw pingFailure;
};

let server: TestServer;
let key: string;
beforeAll(async () => {
  server = await startTestServer({ graphs, modules: [langGraphApi], store });
  key = await server.key("acme");
});
afterAll(() => server.close());

async function getThread() {
  const response = await fetch(`${server.url}/threads/t-1`, { headers: { "x-api-key": key } });
  return { response, body: await response.json() };
}

const coded = (message: string, code?: string) => Object.assign(new Error(message), { code });

describe("API answers while the database is down", () => {
  it.each([
    ["a refused connection", coded("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED")],
    ["a terminated session", coded("terminating connection due to administrator command", "57P01")],
    ["a server starting up", coded("the database system is starting up", "57P03")],
    ["a dropped connection", new Error("Connection terminated unexpectedly")],
    ["a wrapped driver error", new Error("thread lookup failed", { cause: coded("x", "08006") })],
  ])("answers %s with 503, Retry-After and {detail, code}", async (_name, error) => {
    failure = error;
    const { response, body } = await getThread();
    failure = undefined;
    expect(response.status).toBe(503);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(body).toEqual({ detail: expect.stringMatching(/retry/i), code: "UNAVAILABLE" });
  });

  it("keeps an ordinary bug a 500 that shows only the request id", async () => {
    failure = new TypeError("Cannot read properties of undefined (reading 'x')");
    const { response, body } = await getThread();
    failure = undefined;
    expect(response.status).toBe(500);
    expect(response.headers.get("retry-after")).toBeNull();
    expect(body).toEqual({ detail: expect.stringContaining("request id"), code: "INTERNAL" });
  });

  it("reports a run queued just before the database went away as created, not 503", async () => {
    // The database fails after the run was queued: only the thread's graph tag is not written.
    updateFailure = coded("Connection terminated unexpectedly");
    const created = await fetch(`${server.url}/threads/t-2/runs`, {
      method: "POST",
      headers: { "x-api-key": key, "content-type": "application/json" },
      body: JSON.stringify({ assistant_id: "counter", input: { n: 1 }, if_not_exists: "create" }),
    });
    updateFailure = undefined;
    expect(created.status).toBe(200);
    const run = (await created.json()) as { run_id: string };
    const joined = await fetch(`${server.url}/threads/t-2/runs/${run.run_id}/join`, {
      headers: { "x-api-key": key },
    });
    expect(await joined.json()).toEqual({ n: 4 });
    const state = await fetch(`${server.url}/threads/t-2/state`, { headers: { "x-api-key": key } });
    expect(await state.json()).toMatchObject({ values: { n: 4 } });
  });

  it("turns readiness red while the ping fails, and green again after", async () => {
    pingFailure = coded("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED");
    const red = await fetch(`${server.url}/health/ready`);
    expect(red.status).toBe(503);
    expect(red.headers.get("retry-after")).toBe("5");
    expect(await red.json()).toEqual({ status: "unavailable", database: expect.any(String) });
    pingFailure = undefined;
    expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
  });
});
