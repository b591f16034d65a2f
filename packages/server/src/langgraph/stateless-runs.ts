/**
 * Stateless runs: each gets a temporary thread that is deleted when it ends (unless the body
 * says `on_completion: "keep"`). Background, stream, wait, batch, and join-stream by run id.
 */
import type { Runtime } from "@conclave/runtime";
import { z } from "zod";
import type { ServerContext } from "../app.ts";
import { defineRoute } from "../route.ts";
import { lastEventId } from "../sse.ts";
import { requireRun, submitRun, submitRuns } from "./run-requests.ts";
import { streamRun, waitForRun } from "./run-streams.ts";
import { QueryFlag, QueryStreamModes, RunCreate } from "./schemas.ts";
import { runOut } from "./shapes.ts";

const tags = ["runs"];
const runPath = (runId: string) => `/runs/${runId}`;

function createStatelessRoute(runtime: Runtime) {
  return defineRoute({
    method: "POST",
    url: "/runs",
    scope: "runs:write",
    summary: "Create a stateless background run",
    tags,
    body: RunCreate,
    handler: async ({ req, reply, body, principal }) => {
      const run = await submitRun(runtime, principal, req, undefined, body);
      reply.header("content-location", runPath(run.runId));
      return runOut(run);
    },
  });
}

function batchRoute(runtime: Runtime) {
  return defineRoute({
    method: "POST",
    url: "/runs/batch",
    scope: "runs:write",
    summary: "Create several stateless background runs, all or none",
    tags,
    body: z.array(RunCreate).min(1).max(1000),
    handler: async ({ req, body, principal }) => {
      const items = body.map((item) => ({ threadId: undefined, body: item }));
      return (await submitRuns(runtime, principal, req, items)).map(runOut);
    },
  });
}

function streamStatelessRoute(runtime: Runtime) {
  return defineRoute({
    method: "POST",
    url: "/runs/stream",
    scope: "runs:write",
    summary: "Create a stateless run and stream its events (SSE)",
    tags,
    stream: true,
    body: RunCreate,
    handler: async ({ req, reply, body, principal }) => {
      const run = await submitRun(runtime, principal, req, undefined, body);
      await streamRun(runtime, req, reply, run, {
        afterId: 0,
        cancelOnDisconnect: body.on_disconnect === "cancel",
        path: runPath(run.runId),
      });
    },
  });
}

function waitStatelessRoute(runtime: Runtime) {
  return defineRoute({
    method: "POST",
    url: "/runs/wait",
    scope: "runs:write",
    summary: "Create a stateless run and wait for its final state",
    tags,
    body: RunCreate,
    handler: async ({ req, reply, body, principal }) => {
      const run = await submitRun(runtime, principal, req, undefined, body);
      reply.header("content-location", runPath(run.runId));
      return waitForRun(runtime, reply, run, body.on_disconnect === "cancel");
    },
  });
}

function joinStreamByIdRoute(runtime: Runtime) {
  return defineRoute({
    method: "GET",
    url: "/runs/:run_id/stream",
    scope: "runs:read",
    summary: "Join a run's stream by run id (SSE); resumes after Last-Event-ID",
    tags,
    stream: true,
    params: z.object({ run_id: z.string().min(1).max(256) }),
    query: z.object({
      cancel_on_disconnect: QueryFlag.optional(),
      stream_mode: QueryStreamModes.optional(),
    }),
    handler: async ({ req, reply, params, query, principal }) => {
      const run = await requireRun(runtime, principal.tenant, params.run_id);
      await streamRun(runtime, req, reply, run, {
        afterId: lastEventId(req),
        only: query.stream_mode,
        cancelOnDisconnect: query.cancel_on_disconnect === true,
        path: runPath(run.runId),
      });
    },
  });
}

/** Routes for runs without a thread of the caller's. */
export function statelessRunRoutes(ctx: ServerContext) {
  return [
    createStatelessRoute,
    batchRoute,
    streamStatelessRoute,
    waitStatelessRoute,
    joinStreamByIdRoute,
  ].map((route) => route(ctx.runtime));
}
