/**
 * One test per class of bug the OpenAPI fuzz test (fuzz-openapi.test.ts) found, so each stays
 * fixed even when the fuzzer's random choices stop reaching it:
 * - path parameters over Fastify's default 100 characters were refused before validation, in
 *   Fastify's own error shape (and never in OpenAI's under /v1);
 * - a request wrong in its path and its body heard only about the path;
 * - a path with bad percent-encoding was answered in Fastify's shape;
 * - every unreadable JSON body got "Body is not valid JSON", without where, and so did valid JSON
 *   refused for a `__proto__` key;
 * - a thread id outside Latin-1 broke the Content-Location header: a 500 for create and wait,
 *   and a stream that never answered (the SSE reply was hijacked when its head failed);
 * - a huge `after_seconds` failed as "runAt must be a valid Date";
 * - a history filter on a key Object.prototype has (`valueOf`, `constructor`) was a 500: core's
 *   `matchesFilter` read the prototype's function and could not encode it;
 * - a state update with non-object values was refused in the engine's words about a node's
 *   return value, never naming `values`;
 * - governance: an unknown time zone and an out-of-range budget were 500s, and a budget for
 *   another tenant was refused without naming `scope.value`.
 */

import type { AddressInfo } from "node:net";
import {
  MemoryAuditLog,
  MemoryBudgetStore,
  MemoryLedger,
  MemorySettingsStore,
} from "@conclave/core";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_EXTENSIONS, API_MODULES, sendSse } from "../src/index.ts";
import { startTestServer, type TestServer } from "./harness.ts";
import { graphs } from "./langgraph-fixtures.ts";

let server: TestServer;
let key: string;

beforeAll(async () => {
  server = await startTestServer({
    graphs: { counter: graphs.counter },
    modules: API_MODULES,
    extensions: API_EXTENSIONS,
    runtime: {
      settings: new MemorySettingsStore(),
      audit: { log: new MemoryAuditLog(), durability: "sync" },
    },
    services: { budgets: new MemoryBudgetStore(), ledger: new MemoryLedger() },
  });
  key = await server.key("acme");
});
afterAll(() => server.close());

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  const json = res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text;
  return { status: res.status, headers: res.headers, json };
}

describe("path parameters", () => {
  it("validates ids up to the schema's 256 characters, and names longer ones", async () => {
    const found = await call("GET", `/threads/${"t".repeat(200)}`);
    expect(found.status).toBe(404);
    expect(found.json.detail).toContain("t".repeat(200));
    const tooLong = await call("GET", `/threads/${"t".repeat(300)}`);
    expect(tooLong.status).toBe(422);
    expect(tooLong.json.errors[0].path).toBe("params.thread_id");
  });

  it("lists the problems of params, query and body in one answer", async () => {
    const res = await call("POST", `/threads/${"t".repeat(300)}/history`, { limit: "ten" });
    expect(res.status).toBe(422);
    expect(res.json.errors.map((e: { path: string }) => e.path)).toEqual([
      "params.thread_id",
      "body.limit",
    ]);
  });

  it("refuses a segment past the router's limit in the API's error shape", async () => {
    const res = await call("GET", `/threads/${"t".repeat(3000)}`);
    expect(res.status).toBe(414);
    expect(res.json).toMatchObject({ code: "PATH_PARAM_TOO_LONG" });
    expect(res.json.detail).toContain("3000 characters");
    const openAi = await call("GET", `/v1/models/${"m".repeat(3000)}`);
    expect(openAi.status).toBe(414);
    expect(openAi.json.error).toMatchObject({ type: "invalid_request_error" });
    expect(openAi.json.error.message).toContain("3000 characters");
  });

  it("answers bad percent-encoding with a 400 that shows the path", async () => {
    const res = await call("GET", "/threads/%E0%A4%A");
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: "BAD_URL" });
    expect(res.json.detail).toContain("/threads/%E0%A4%A");
  });
});

describe("thread ids outside Latin-1", () => {
  const body = { assistant_id: "counter", input: { n: 1 }, if_not_exists: "create" };

  it.each(["", "/wait", "/stream"])("POST /threads/{id}/runs%s answers", async (suffix) => {
    const id = `\ufffd 🦜 ${suffix}`;
    const res = await call("POST", `/threads/${encodeURIComponent(id)}/runs${suffix}`, body);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-location")).toContain(
      `/threads/${encodeURIComponent(id)}/runs/`,
    );
  });

  it("ends an SSE reply whose head cannot be written instead of leaving it open", async () => {
    const app = Fastify({ logger: false });
    app.get("/sse", (req, reply) =>
      sendSse(req, reply, async function* () {}, { "x-bad": "\ufffd" }),
    );
    await app.listen({ host: "127.0.0.1", port: 0 });
    const { port } = app.server.address() as AddressInfo;
    try {
      const answer = fetch(`http://127.0.0.1:${port}/sse`, { signal: AbortSignal.timeout(5_000) });
      await expect(answer).rejects.toThrow(/fetch failed/);
    } finally {
      await app.close();
    }
  });
});

describe("JSON bodies", () => {
  async function raw(path: string, body: string) {
    const res = await fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body,
    });
    return { status: res.status, json: await res.json() };
  }

  it("says where a body stops being JSON", async () => {
    const res = await raw("/threads", '{"metadata": {"a": 1}}}');
    expect(res.status).toBe(400);
    expect(res.json.code).toBe("INVALID_JSON");
    expect(res.json.detail).toMatch(/not valid JSON: .*position 22/);
  });

  it("names a __proto__ key instead of calling valid JSON invalid", async () => {
    const res = await raw("/threads", '{"metadata": {"__proto__": {"admin": true}}}');
    expect(res.status).toBe(400);
    expect(res.json.code).toBe("FORBIDDEN_JSON_KEY");
    expect(res.json.detail).toContain('"__proto__" key');
    const openAi = await raw(
      "/v1/chat/completions",
      '{"model": "x", "constructor": {"prototype": 1}}',
    );
    expect(openAi.status).toBe(400);
    expect(openAi.json.error.message).toContain('"constructor" key holding a prototype');
  });

  it("says an application/json body is empty", async () => {
    const res = await raw("/threads", "");
    expect(res.status).toBe(400);
    expect(res.json.code).toBe("EMPTY_JSON_BODY");
  });

  it("still reads a constructor field that holds no prototype", async () => {
    const res = await raw("/threads", '{"metadata": {"constructor": "Ada"}}');
    expect(res.status).toBe(200);
    expect(res.json.metadata).toEqual({ constructor: "Ada" });
  });
});

describe("values the engine refused in its own words", () => {
  it("bounds after_seconds and names it", async () => {
    const res = await call("POST", "/runs", { assistant_id: "counter", after_seconds: 1e300 });
    expect(res.status).toBe(422);
    expect(res.json.errors[0].path).toBe("body.after_seconds");
  });

  it("names values when a state update is not an object", async () => {
    const thread = (await call("POST", "/threads", { metadata: { graph_id: "counter" } })).json;
    const res = await call("POST", `/threads/${thread.thread_id}/state`, { values: [1, 2] });
    expect(res.status).toBe(422);
    expect(res.json.detail).toMatch(/^values could not be written/);
  });
});

describe("metadata filters", () => {
  it("filters history by keys Object.prototype also has", async () => {
    const thread = (await call("POST", "/threads", {})).json;
    const ran = await call("POST", `/threads/${thread.thread_id}/runs/wait`, {
      assistant_id: "counter",
      input: { n: 1 },
    });
    expect(ran.status).toBe(200);
    for (const metadata of [{ valueOf: 1 }, { constructor: "x" }, { toString: null }]) {
      const res = await call("POST", `/threads/${thread.thread_id}/history`, { metadata });
      expect(res.status).toBe(200);
      expect(res.json).toEqual([]);
    }
  });
});

describe("governance input", () => {
  it("refuses an unknown time zone with a 422 that shows it", async () => {
    const budget = await call("PUT", "/budgets/b1", { limit_usd: "5", time_zone: "Mars/Base" });
    expect(budget.status).toBe(422);
    expect(budget.json.detail).toContain('"Mars/Base"');
    const cost = await call("GET", "/cost?by=model&tz=Mars%2FBase");
    expect(cost.status).toBe(422);
    expect(cost.json.detail).toContain('"Mars/Base"');
  });

  it("bounds limit_usd and names the field", async () => {
    const res = await call("PUT", "/budgets/b2", { limit_usd: "99999999999" });
    expect(res.status).toBe(422);
    expect(res.json.errors[0].path).toBe("body.limit_usd");
  });

  it("names scope.value when a budget targets another tenant", async () => {
    const scope = { kind: "tenant", value: "globex" };
    const res = await call("PUT", "/budgets/b3", { limit_usd: "5", scope });
    expect(res.status).toBe(403);
    expect(res.json.detail).toContain('scope.value "globex"');
  });
});
