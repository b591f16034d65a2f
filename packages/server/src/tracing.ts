/**
 * OpenTelemetry spans for HTTP requests (no-ops unless an SDK is registered). Each request's
 * span continues an incoming `traceparent`, and the runs it submits carry its trace context in
 * their metadata, so a run's span (started by whichever worker executes it, maybe much later
 * and elsewhere) and its model-call spans join the request's trace.
 */
import {
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import type { FastifyInstance, FastifyRequest } from "fastify";

const tracer = trace.getTracer("@conclave/server");
const spans = new WeakMap<FastifyRequest, Span>();

/** The W3C trace context of the request's span, to store with the runs it submits. */
export function traceContextOf(req: FastifyRequest): Record<string, string> {
  const span = spans.get(req);
  if (!span?.spanContext().traceId || !span.isRecording()) return {};
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(context.active(), span), carrier);
  return carrier;
}

export function installTracing(app: FastifyInstance): void {
  app.addHook("onRequest", async (req) => {
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(
      `${req.method} ${req.routeOptions.url ?? "unmatched"}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "http.request.method": req.method,
          "url.path": req.url.split("?")[0],
          "conclave.request_id": String(req.id),
        },
      },
      parent,
    );
    spans.set(req, span);
  });
  app.addHook("onResponse", async (req, reply) => {
    const span = spans.get(req);
    if (!span) return;
    span.setAttribute("http.response.status_code", reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
}
