/**
 * OpenTelemetry: with an SDK registered, a request's span continues the caller's traceparent,
 * the run it submits executes in a span of the same trace (parented by the request), and work
 * inside the run's nodes (model calls) nests under the run span.
 */

import { Annotation, StateGraph } from "@conclave/core";
import { API_EXTENSIONS, API_MODULES } from "@conclave/server";
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.ts";

const exporter = new InMemorySpanExporter();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
);

const graph = () =>
  new StateGraph(Annotation.Root({ n: Annotation<number>() }))
    .addNode("call_model", async (s: { n: number }) => {
      const span = trace.getTracer("test").startSpan("chat fast");
      span.end();
      return { n: s.n + 1 };
    })
    .addEdge("__start__", "call_model")
    .compile();

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    graphs: { inc: graph },
    modules: API_MODULES,
    extensions: API_EXTENSIONS,
  });
});
afterAll(() => server.close());

describe("tracing", () => {
  it("joins the request, the run, the node and the model call in one trace", async () => {
    const key = await server.key("acme");
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const response = await fetch(`${server.url}/runs/wait`, {
      method: "POST",
      headers: {
        "x-api-key": key,
        "content-type": "application/json",
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      },
      body: JSON.stringify({ assistant_id: "inc", input: { n: 1 } }),
    });
    expect(response.status).toBe(200);
    await expect
      .poll(() => exporter.getFinishedSpans().some((s) => s.name === "POST /runs/wait"))
      .toBe(true);
    const spans = exporter.getFinishedSpans();
    const http = spans.find((s) => s.name === "POST /runs/wait")!;
    const run = spans.find((s) => s.name === "run inc")!;
    const node = spans.find((s) => s.name === "node call_model")!;
    const model = spans.find((s) => s.name === "chat fast")!;
    expect(http.spanContext().traceId).toBe(traceId);
    expect(run.spanContext().traceId).toBe(traceId);
    expect(run.parentSpanContext?.spanId).toBe(http.spanContext().spanId);
    expect(node.parentSpanContext?.spanId).toBe(run.spanContext().spanId);
    expect(model.parentSpanContext?.spanId).toBe(node.spanContext().spanId);
    expect(node.attributes).toMatchObject({ "conclave.node": "call_model", "conclave.step": 1 });
    expect(run.attributes).toMatchObject({
      "conclave.graph_id": "inc",
      "conclave.tenant": "acme",
      "conclave.run.status": "success",
    });
  });
});
