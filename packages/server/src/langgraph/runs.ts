/**
 * Runs on a thread: create (background), create-and-stream, create-and-wait, list, get, delete,
 * join, join-stream (resumable with `Last-Event-ID`) and cancel. Every lookup is confined to the
 * caller's tenant, and a run is only found under its own thread.
 */
import { NotFoundError, type RunStatus } from "@conclave/core";
import type { Runtime } from "@conclave/runtime";
import { z } from "zod";
import type { ServerContext } from "../app.ts";
import { defineRoute } from "../route.ts";
import { lastEventId } from "../sse.ts";
import { requireRun, requireThread, submitRun } from "./run-requests.ts";
import { streamRun, waitForRun } from "./run-streams.ts";
import { QueryFlag, QueryStreamModes, RunCreate, RunParams, ThreadParams } from "./schemas.ts";
import { pick, runOut } from "./shapes.ts";

const tags = ["runs"];
// Thread ids are the client's text; a header carries only Latin-1, so the path is encoded.
const runPath = (threadId: string, runId: string) =>
  `/threads/${encodeURIComponent(threadId)}/runs/${encodeURIComponent(runId)}`;

// LangGraph names our `cancelled` runs `interrupted`; a status filter covers both.
const statusesOf = (status: string): RunStatus[] =>
  status === "interrupted" ? ["interrupted", "cancelled"] : [status as RunStatus];

const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  offset: z.coerce.number().int().min(0).optional(),
  status: z.enum(["pending", "running", "error", "success", "timeout", "interrupted"]).optional(),
  select: z.union([z.string(), z.array(z.string())]).optional(),
});

const CancelQuery = z.object({
  wait: QueryFlag.optional(),
  action: z.enum(["interrupt", "rollback"]).optional(),
});

const JoinStreamQuery = z.object({
  cancel_on_disconnect: QueryFlag.optional(),
  stream_mode: QueryStreamModes.optional(),
});

function createRunRoute(runtime: Runtime) {
  return defineRoute({
    method: "POST",
    url: "/threads/:thread_id/runs",
    scope: "runs:write",
    summary: "Create a background run",
    tags,
    params: ThreadParams,
    body: RunCreate,
    handler: async ({ req, reply, body, params, principal }) => {
      const run = await submitRun(runtime, principal, req, params.thread_id, body);
      reply.header("content-location", runPath(run.threadId, run.runId));
      return runOut(run);
    },
  });
}

function streamRunRoute(runtime: Runtime) {
  return defineRoute({
    method: "POST",
    url: "/threads/:thread_id/runs/stream",
    scope: "runs:write",
    summary: "Create a run and stream its events (SSE)",
    tags,
    stream: true,
    params: ThreadParams,
    body: RunCreate,
    handler: async ({ req, reply, body, params, principal }) => {
      const run = await submitRun(runtime, principal, req, params.thread_id, body);
      await streamRun(runtime, req, reply, run, {
        afterId: 0,
        cancelOnDisconnect: body.on_disconnect === "cancel",
        path: runPath(run.threadId, run.runId),
      });
    },
  });
}

function waitRunRoute(runtime: Runtime) {
  return defineRoute({
    method: "POST",
    url: "/threads/:thread_id/runs/wait",
    scope: "runs:write",
    summary: "Create a run and wait for its final state",
    tags,
    params: ThreadParams,
    body: RunCreate,
    handler: async ({ req, reply, body, params, principal }) => {
      const run = await submitRun(runtime, principal, req, params.thread_id, body);
      reply.header("content-location", runPath(run.threadId, run.runId));
      return waitForRun(runtime, reply, run, body.on_disconnect === "cancel");
    },
  });
}

function listRunsRoute(runtime: Runtime) {
  return defineRoute({
    method: "GET",
    url: "/threads/:thread_id/runs",
    scope: "runs:read",
    summary: "List a thread's runs, newest first",
    tags,
    params: ThreadParams,
    query: ListQuery,
    handler: async ({ params, query, principal }) => {
      await requireThread(runtime, principal.tenant, params.thread_id);
      const runs = await runtime.store.runs.list({
        tenant: principal.tenant,
        threadId: params.thread_id,
        status: query.status ? statusesOf(query.status) : undefined,
        limit: query.limit,
        offset: query.offset,
      });
      const select = query.select === undefined ? undefined : [query.select].flat();
      return runs.map((run) => pick(runOut(run), select));
    },
  });
}

function getRunRoute(runtime: Runtime) {
  return defineRoute({
    method: "GET",
    url: "/threads/:thread_id/runs/:run_id",
    scope: "runs:read",
    summary: "Get a run",
    tags,
    params: RunParams,
    handler: async ({ params, principal }) =>
      runOut(await requireRun(runtime, principal.tenant, params.run_id, params.thread_id)),
  });
}

function deleteRunRoute(runtime: Runtime) {
  return defineRoute({
    method: "DELETE",
    url: "/threads/:thread_id/runs/:run_id",
    scope: "runs:write",
    summary: "Delete an ended run",
    tags,
    status: 204,
    params: RunParams,
    handler: async ({ params, principal }) => {
      await requireRun(runtime, principal.tenant, params.run_id, params.thread_id);
      await runtime.store.runs.delete(principal.tenant, params.run_id);
    },
  });
}

function joinRunRoute(runtime: Runtime) {
  return defineRoute({
    method: "GET",
    url: "/threads/:thread_id/runs/:run_id/join",
    scope: "runs:read",
    summary: "Wait for a run to end and return the state it left",
    tags,
    params: RunParams,
    handler: async ({ reply, params, principal }) => {
      const run = await requireRun(runtime, principal.tenant, params.run_id, params.thread_id);
      return waitForRun(runtime, reply, run, false);
    },
  });
}

function joinStreamRoute(runtime: Runtime) {
  return defineRoute({
    method: "GET",
    url: "/threads/:thread_id/runs/:run_id/stream",
    scope: "runs:read",
    summary: "Join a run's stream (SSE); resumes after Last-Event-ID",
    tags,
    stream: true,
    params: RunParams,
    query: JoinStreamQuery,
    handler: async ({ req, reply, params, query, principal }) => {
      const run = await requireRun(runtime, principal.tenant, params.run_id, params.thread_id);
      await streamRun(runtime, req, reply, run, {
        afterId: lastEventId(req),
        only: query.stream_mode,
        cancelOnDisconnect: query.cancel_on_disconnect === true,
        path: runPath(run.threadId, run.runId),
      });
    },
  });
}

function cancelRunRoute(runtime: Runtime) {
  return defineRoute({
    method: "POST",
    url: "/threads/:thread_id/runs/:run_id/cancel",
    scope: "runs:write",
    summary: "Cancel a run (action interrupt keeps its work, rollback undoes it)",
    tags,
    params: RunParams,
    query: CancelQuery,
    handler: async ({ reply, params, query, principal }) => {
      const run = await requireRun(runtime, principal.tenant, params.run_id, params.thread_id);
      const actor = `key:${principal.keyId}`;
      await runtime.cancel(run.tenant, run.runId, query.action ?? "interrupt", actor);
      // A rolled-back run is deleted once it stops, so its join ends in "not found".
      if (query.wait)
        await runtime.join(run.tenant, run.runId).catch((error) => {
          if (!(error instanceof NotFoundError)) throw error;
        });
      return reply.code(query.wait ? 204 : 202).send();
    },
  });
}

/** Routes for runs on a thread. */
export function threadRunRoutes(ctx: ServerContext) {
  const routes = [
    createRunRoute,
    streamRunRoute,
    waitRunRoute,
    listRunsRoute,
    getRunRoute,
    deleteRunRoute,
    joinRunRoute,
    joinStreamRoute,
    cancelRunRoute,
  ];
  return routes.map((route) => route(ctx.runtime));
}
