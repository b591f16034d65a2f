import { Annotation, StateGraph } from "@conclave/core";
import { safeUrl } from "@conclave/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.ts";

const graph = () =>
  new StateGraph(Annotation.Root({ n: Annotation<number>() }))
    .addNode("inc", (s: { n: number }) => ({ n: s.n + 1 }))
    .addEdge("__start__", "inc")
    .compile();

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ graphs: { inc: graph } });
});
afterAll(() => server.close());

describe("server basics", () => {
  it("answers liveness and readiness", async () => {
    expect(await (await fetch(`${server.url}/health/live`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${server.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ok", database: "ok" });
  });

  it("serves an OpenAPI 3.1 document and a docs page", async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: object;
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toContain("/health/ready");
    const docs = await fetch(`${server.url}/docs`);
    expect(docs.headers.get("content-type")).toMatch(/text\/html/);
  });

  it("propagates request ids and explains unknown routes", async () => {
    const response = await fetch(`${server.url}/nope`, { headers: { "x-request-id": "req-123" } });
    expect(response.status).toBe(404);
    expect(response.headers.get("x-request-id")).toBe("req-123");
    expect(await response.json()).toMatchObject({
      code: "ROUTE_NOT_FOUND",
      detail: expect.stringContaining("/openapi.json"),
    });
  });

  it("masks keys in logged URLs", () => {
    expect(safeUrl("/ws?api_key=cnk_secret&x=1")).toBe("/ws?api_key=[REDACTED]&x=1");
    expect(safeUrl("/a?token=abc")).toBe("/a?token=[REDACTED]");
    expect(safeUrl("/threads?limit=5")).toBe("/threads?limit=5");
  });

  it("exposes Prometheus metrics with queue depth", async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/conclave_queue_depth\{state="pending"\} 0/);
    expect(text).toContain("conclave_http_request_duration_seconds");
  });
});
