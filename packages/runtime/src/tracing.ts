/**
 * The OpenTelemetry span of a run's execution (a no-op unless an SDK is registered). It
 * continues the trace of the request that submitted the run (its `traceparent` is in the run's
 * metadata), and model calls made inside it become its children, so one trace shows the
 * request, the run, each node task and every model call, even when another process executed
 * the run.
 */

import { isGraphInterrupt, type Run, type RunOutcome, type TaskInfo } from "@conclave/core";
import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";

const tracer = trace.getTracer("@conclave/runtime");

export async function withRunSpan(run: Run, work: () => Promise<RunOutcome>): Promise<RunOutcome> {
  const carrier: Record<string, string> = {};
  for (const key of ["traceparent", "tracestate"]) {
    const value = run.metadata[key];
    if (typeof value === "string") carrier[key] = value;
  }
  const parent = propagation.extract(ROOT_CONTEXT, carrier);
  const span = tracer.startSpan(
    `run ${run.graphId}`,
    {
      attributes: {
        "conclave.run_id": run.runId,
        "conclave.thread_id": run.threadId,
        "conclave.graph_id": run.graphId,
        "conclave.tenant": run.tenant,
        "conclave.attempt": run.attempt,
      },
    },
    parent,
  );
  // No SDK and no trace to continue: the span is an empty no-op, and entering its context
  // only costs (about 4% of an embedded queue run's CPU in the queue bench's profile).
  const active = trace.isSpanContextValid(span.spanContext());
  try {
    const outcome = active ? await context.with(trace.setSpan(parent, span), work) : await work();
    span.setAttribute("conclave.run.status", outcome.status);
    if (outcome.status === "error" || outcome.status === "timeout")
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error?.message });
    return outcome;
  } catch (error) {
    markFailed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

function markFailed(span: Span, error: unknown): void {
  span.recordException(error as Error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
}

/**
 * The span of one node task, a child of the run's span: the task's model calls nest under it.
 * Made only inside a recording span (an SDK is registered and the run is traced), so untraced
 * runs pay one context lookup per task.
 */
export async function withTaskSpan<T>(task: TaskInfo, work: () => Promise<T>): Promise<T> {
  const parent = context.active();
  if (!trace.getSpan(parent)?.isRecording()) return work();
  const span = tracer.startSpan(
    `node ${task.name}`,
    {
      attributes: {
        "conclave.node": task.name,
        "conclave.task_id": task.id,
        "conclave.step": task.step,
        "conclave.checkpoint_ns": task.ns,
      },
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), work);
  } catch (error) {
    // An interrupt is how a node pauses, not a failure.
    if (!isGraphInterrupt(error)) markFailed(span, error);
    throw error;
  } finally {
    span.end();
  }
}
