/**
 * Crons: scheduled runs, on a thread or each on a fresh temporary thread. These routes only
 * store them; a `CronScheduler` fires them. `cronScheduler()` is a server extension that runs
 * one in the server's process (any number of processes may: each firing is claimed once).
 *
 * @example
 * await buildServer({ runtime, keys, modules: [langGraphApi], extensions: [cronScheduler()] });
 */
import { type Cron, cronNotFound, InvalidArgumentError, type JsonObject } from "@conclave/core";
import {
  CronScheduler,
  createCron,
  defaultAssistantId,
  nextFiring,
  type Runtime,
} from "@conclave/runtime";
import type { z } from "zod";
import type { ServerContext, ServerExtension } from "../app.ts";
import { defineRoute } from "../route.ts";
import { readAll, sortedPage } from "./paging.ts";
import { checkNodes, configOf, requireThread } from "./run-requests.ts";
import { CronCreate, CronParams, CronPatch, CronSearch, ThreadParams } from "./schemas.ts";
import { cronOut, pick } from "./shapes.ts";

const tags = ["crons"];

/** A server extension that fires due crons every `intervalMs` (default 1 s) until the server closes. */
export function cronScheduler(options: { intervalMs?: number } = {}): ServerExtension {
  return (app, ctx) => {
    const scheduler = new CronScheduler(ctx.runtime, options);
    scheduler.start();
    app.addHook("onClose", async () => scheduler.stop());
  };
}

// Each firing is queued behind the thread's runs and a stateless firing's thread is dropped;
// asking for other behaviour gets a 422 rather than being silently ignored.
function refuseUnsupported(body: z.infer<typeof CronCreate>): void {
  const problems: string[] = [];
  if (body.multitask_strategy && body.multitask_strategy !== "enqueue")
    problems.push(`multitask_strategy "${body.multitask_strategy}" (cron runs always enqueue)`);
  if (body.on_run_completed === "keep")
    problems.push('on_run_completed "keep" (a stateless firing\'s thread is deleted)');
  if (problems.length > 0)
    throw new InvalidArgumentError(
      `Unsupported for crons: ${problems.join("; ")}.`,
      "CRON_UNSUPPORTED",
    );
}

async function create(
  runtime: Runtime,
  tenant: string,
  body: z.infer<typeof CronCreate>,
  threadId?: string,
) {
  refuseUnsupported(body);
  const assistant = await runtime.resolveAssistant(tenant, body.assistant_id);
  checkNodes(runtime, assistant.graphId, body);
  const cron = await createCron(runtime, {
    tenant,
    assistant: assistant.assistantId,
    schedule: body.schedule,
    timeZone: body.timezone ?? undefined,
    thread: threadId,
    input: body.input ?? undefined,
    config: configOf(body.config),
    context: body.context ?? undefined,
    interruptBefore: body.interrupt_before ?? undefined,
    interruptAfter: body.interrupt_after ?? undefined,
    metadata: body.metadata ?? undefined,
    webhook: body.webhook ?? undefined,
    endTime: body.end_time ? new Date(body.end_time) : undefined,
    enabled: body.enabled ?? undefined,
  });
  return cronOut(cron);
}

async function requireCron(runtime: Runtime, tenant: string, cronId: string): Promise<Cron> {
  const cron = await runtime.store.crons.get(tenant, cronId);
  if (!cron) throw cronNotFound(tenant, cronId);
  return cron;
}

async function update(runtime: Runtime, cron: Cron, body: z.infer<typeof CronPatch>) {
  const patch: Parameters<Runtime["store"]["crons"]["update"]>[2] = {};
  const kwargs: JsonObject = { ...cron.kwargs };
  const fields = {
    input: body.input,
    config: configOf(body.config),
    context: body.context,
    webhook: body.webhook,
    interruptBefore: body.interrupt_before,
    interruptAfter: body.interrupt_after,
  };
  for (const [key, value] of Object.entries(fields)) if (value != null) kwargs[key] = value;
  patch.kwargs = kwargs;
  if (body.metadata) patch.metadata = { ...cron.metadata, ...body.metadata };
  if (body.enabled != null) patch.enabled = body.enabled;
  if (body.schedule || body.end_time) {
    const schedule = body.schedule ?? cron.schedule;
    const endTime = body.end_time
      ? new Date(body.end_time)
      : cron.endTime
        ? new Date(cron.endTime)
        : null;
    const next = nextFiring(schedule, cron.timeZone, runtime.clock(), endTime);
    if (next === null)
      throw new InvalidArgumentError(
        `Cron ${schedule} never fires before end_time ${endTime?.toISOString()}.`,
        "INVALID_CRON",
      );
    Object.assign(patch, {
      schedule,
      endTime: endTime?.toISOString() ?? null,
      nextRunAt: next.toISOString(),
    });
  }
  return cronOut(
    await runtime.store.crons.update(cron.tenant, cron.cronId, patch, runtime.clock()),
  );
}

async function matching(
  runtime: Runtime,
  tenant: string,
  body: Partial<z.infer<typeof CronSearch>>,
) {
  // A graph id names its default assistant here too.
  const named = body.assistant_id ?? undefined;
  const assistantId = named && runtime.registry.get(named) ? defaultAssistantId(named) : named;
  const query = { tenant, assistantId, threadId: body.thread_id ?? undefined };
  const all = await readAll((page) => runtime.store.crons.search({ ...query, ...page }));
  return all.filter((c) => body.enabled == null || c.enabled === body.enabled);
}

async function search(runtime: Runtime, tenant: string, body: z.infer<typeof CronSearch>) {
  const found = await matching(runtime, tenant, body);
  return sortedPage(found.map(cronOut), body).map((c) => pick(c, body.select));
}

function createCronRoute(runtime: Runtime) {
  return defineRoute({
    method: "POST",
    url: "/runs/crons",
    scope: "runs:write",
    summary: "Create a cron whose runs each get a new thread",
    tags,
    body: CronCreate,
    handler: ({ body, principal }) => create(runtime, principal.tenant, body),
  });
}

function createThreadCronRoute(runtime: Runtime) {
  return defineRoute({
    method: "POST",
    url: "/threads/:thread_id/runs/crons",
    scope: "runs:write",
    summary: "Create a cron whose runs go to a thread",
    tags,
    params: ThreadParams,
    body: CronCreate,
    handler: async ({ params, body, principal }) => {
      await requireThread(runtime, principal.tenant, params.thread_id);
      return create(runtime, principal.tenant, body, params.thread_id);
    },
  });
}

function searchCronsRoute(runtime: Runtime) {
  return defineRoute({
    method: "POST",
    url: "/runs/crons/search",
    scope: "runs:read",
    summary: "Search crons",
    tags,
    body: CronSearch,
    handler: ({ body, principal }) => search(runtime, principal.tenant, body),
  });
}

function countCronsRoute(runtime: Runtime) {
  return defineRoute({
    method: "POST",
    url: "/runs/crons/count",
    scope: "runs:read",
    summary: "Count crons",
    tags,
    body: CronSearch.pick({ assistant_id: true, thread_id: true }),
    handler: async ({ body, principal }) =>
      (await matching(runtime, principal.tenant, body)).length,
  });
}

function patchCronRoute(runtime: Runtime) {
  return defineRoute({
    method: "PATCH",
    url: "/runs/crons/:cron_id",
    scope: "runs:write",
    summary: "Update a cron",
    tags,
    params: CronParams,
    body: CronPatch,
    handler: async ({ params, body, principal }) =>
      update(runtime, await requireCron(runtime, principal.tenant, params.cron_id), body),
  });
}

function deleteCronRoute(runtime: Runtime) {
  return defineRoute({
    method: "DELETE",
    url: "/runs/crons/:cron_id",
    scope: "runs:write",
    summary: "Delete a cron",
    tags,
    status: 204,
    params: CronParams,
    handler: async ({ params, principal }) => {
      if (!(await runtime.store.crons.delete(principal.tenant, params.cron_id)))
        throw cronNotFound(principal.tenant, params.cron_id);
    },
  });
}

/** Routes for crons. */
export function cronRoutes(ctx: ServerContext) {
  return [
    createCronRoute,
    createThreadCronRoute,
    searchCronsRoute,
    countCronsRoute,
    patchCronRoute,
    deleteCronRoute,
  ].map((route) => route(ctx.runtime));
}
