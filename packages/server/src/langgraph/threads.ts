/**
 * Threads: create (optionally seeded with supersteps of state updates), get, update metadata,
 * delete, copy, search and count. A thread belongs to one tenant; another tenant's thread is a 404.
 */
import { InvalidArgumentError, type JsonObject, type Thread } from "@conclave/core";
import { copyThread, newId, type Runtime } from "@conclave/runtime";
import type { z } from "zod";
import type { ServerContext } from "../app.ts";
import { defineRoute } from "../route.ts";
import { matches, needsLocalSort, readAll, sortedPage } from "./paging.ts";
import { checkNewThreadId, requireThread } from "./run-requests.ts";
import { ThreadCreate, ThreadParams, ThreadPatch, ThreadSearch } from "./schemas.ts";
import { pick, threadOut } from "./shapes.ts";
import { updateThreadState } from "./thread-state.ts";

const tags = ["threads"];
type SearchBody = z.infer<typeof ThreadSearch>;

// Threads here live until deleted; accepting a TTL we would not enforce would mislead.
function refuseTtl(ttl: unknown): void {
  if (ttl != null)
    throw new InvalidArgumentError(
      "Thread TTLs are not supported by this server; omit ttl and delete threads when done.",
      "TTL_UNSUPPORTED",
    );
}

async function create(runtime: Runtime, tenant: string, body: z.infer<typeof ThreadCreate>) {
  refuseTtl(body.ttl);
  const threadId = body.thread_id ?? newId();
  await checkNewThreadId(runtime, tenant, threadId);
  const metadata = body.metadata ?? {};
  if (body.supersteps?.length && typeof metadata.graph_id !== "string")
    throw new InvalidArgumentError(
      "supersteps need the thread's graph: pass metadata.graph_id (the SDK's graphId).",
      "THREAD_HAS_NO_GRAPH",
    );
  const ifExists = body.if_exists ?? "raise";
  let thread = await runtime.store.threads.create(
    { tenant, threadId, metadata },
    runtime.clock(),
    ifExists,
  );
  for (const step of body.supersteps ?? [])
    for (const update of step.updates) {
      await updateThreadState(runtime, thread, update);
      thread = await requireThread(runtime, tenant, threadId);
    }
  return threadOut(thread);
}

/**
 * The store filters by status and metadata and pages newest first; `ids`, `values` and other
 * sort orders are applied here over every match.
 */
async function search(runtime: Runtime, tenant: string, body: SearchBody): Promise<JsonObject[]> {
  const query = { tenant, status: body.status ?? undefined, metadata: body.metadata ?? undefined };
  const local = body.ids != null || body.values != null || needsLocalSort(body);
  if (!local) {
    const page = { limit: body.limit ?? 10, offset: body.offset ?? 0 };
    const found = await runtime.store.threads.search({ ...query, ...page });
    return found.map((t) => pick(threadOut(t), body.select));
  }
  const all = await matching(runtime, query, body);
  return sortedPage(all.map(threadOut), body).map((t) => pick(t, body.select));
}

async function matching(
  runtime: Runtime,
  query: { tenant: string; status?: Thread["status"]; metadata?: JsonObject },
  body: SearchBody,
): Promise<Thread[]> {
  const all = await readAll((page) => runtime.store.threads.search({ ...query, ...page }));
  return all.filter(
    (t) => (!body.ids || body.ids.includes(t.threadId)) && matches(t.values, body.values),
  );
}

function createThreadRoute(runtime: Runtime) {
  return defineRoute({
    method: "POST",
    url: "/threads",
    scope: "runs:write",
    summary: "Create a thread",
    tags,
    body: ThreadCreate,
    handler: ({ body, principal }) => create(runtime, principal.tenant, body),
  });
}

function searchThreadsRoute(runtime: Runtime) {
  return defineRoute({
    method: "POST",
    url: "/threads/search",
    scope: "runs:read",
    summary: "Search threads",
    tags,
    body: ThreadSearch,
    handler: ({ body, principal }) => search(runtime, principal.tenant, body),
  });
}

function countThreadsRoute(runtime: Runtime) {
  return defineRoute({
    method: "POST",
    url: "/threads/count",
    scope: "runs:read",
    summary: "Count threads",
    tags,
    body: ThreadSearch.pick({ metadata: true, status: true, values: true }),
    handler: async ({ body, principal }) => {
      const tenant = principal.tenant;
      const query = {
        tenant,
        status: body.status ?? undefined,
        metadata: body.metadata ?? undefined,
      };
      if (body.values == null) return runtime.store.threads.count(query);
      return (await matching(runtime, query, body)).length;
    },
  });
}

function getThreadRoute(runtime: Runtime) {
  return defineRoute({
    method: "GET",
    url: "/threads/:thread_id",
    scope: "runs:read",
    summary: "Get a thread",
    tags,
    params: ThreadParams,
    handler: async ({ params, principal }) =>
      threadOut(await requireThread(runtime, principal.tenant, params.thread_id)),
  });
}

function patchThreadRoute(runtime: Runtime) {
  return defineRoute({
    method: "PATCH",
    url: "/threads/:thread_id",
    scope: "runs:write",
    summary: "Merge metadata into a thread",
    tags,
    params: ThreadParams,
    body: ThreadPatch,
    handler: async ({ params, body, principal }) => {
      refuseTtl(body.ttl);
      await requireThread(runtime, principal.tenant, params.thread_id);
      const metadata = body.metadata ?? {};
      const now = runtime.clock();
      return threadOut(
        await runtime.store.threads.update(principal.tenant, params.thread_id, metadata, now),
      );
    },
  });
}

function deleteThreadRoute(runtime: Runtime) {
  return defineRoute({
    method: "DELETE",
    url: "/threads/:thread_id",
    scope: "runs:write",
    summary: "Delete a thread, its ended runs and its checkpoints",
    tags,
    status: 204,
    params: ThreadParams,
    handler: async ({ params, principal }) => {
      await requireThread(runtime, principal.tenant, params.thread_id);
      await runtime.store.threads.delete(principal.tenant, params.thread_id);
      await runtime.store.saver.deleteThread(params.thread_id);
    },
  });
}

function copyThreadRoute(runtime: Runtime) {
  return defineRoute({
    method: "POST",
    url: "/threads/:thread_id/copy",
    scope: "runs:write",
    summary: "Copy a thread, with its state and history, as a new thread",
    tags,
    params: ThreadParams,
    handler: async ({ params, principal }) => {
      const source = await requireThread(runtime, principal.tenant, params.thread_id);
      return threadOut(await copyThread(runtime, source, `key:${principal.keyId}`));
    },
  });
}

/** Routes for threads. */
export function threadRoutes(ctx: ServerContext) {
  return [
    createThreadRoute,
    searchThreadsRoute,
    countThreadsRoute,
    getThreadRoute,
    patchThreadRoute,
    deleteThreadRoute,
    copyThreadRoute,
  ].map((route) => route(ctx.runtime));
}
