/**
 * Liveness, readiness (the database answers within a second), LangGraph's `/ok` and `/info`,
 * and Prometheus `/metrics`. These are public: load balancers and scrapers carry no key.
 */
import { z } from "zod";
import type { ServerContext } from "./app.ts";
import { SERVER_VERSION } from "./app.ts";
import { isUnavailable } from "./errors.ts";
import { defineRoute } from "./route.ts";

const READY_TIMEOUT_MS = 1_000;

async function databaseReady(
  ctx: ServerContext,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([ctx.runtime.store.ping(), timeout]);
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(ctx: ServerContext) {
  return [
    defineRoute({
      method: "GET",
      url: "/health/live",
      scope: null,
      summary: "Liveness: the process serves requests",
      tags: ["health"],
      response: z.object({ status: z.literal("ok") }),
      handler: () => ({ status: "ok" }),
    }),
    defineRoute({
      method: "GET",
      url: "/health/ready",
      scope: null,
      summary: "Readiness: the database answers",
      tags: ["health"],
      response: z.object({ status: z.enum(["ok", "unavailable"]), database: z.string() }),
      handler: async ({ reply }) => {
        const ready = await databaseReady(ctx);
        if (ready.ok) return { status: "ok", database: "ok" };
        return reply
          .code(503)
          .header("retry-after", "5")
          .send({ status: "unavailable", database: ready.reason });
      },
    }),
    defineRoute({
      method: "GET",
      url: "/ok",
      scope: null,
      summary: "LangGraph Platform's health check",
      tags: ["health"],
      handler: () => ({ ok: true }),
    }),
    defineRoute({
      method: "GET",
      url: "/info",
      scope: null,
      summary: "Server version and features",
      tags: ["health"],
      handler: () => ({
        version: SERVER_VERSION,
        flags: { assistants: true, crons: true, langsmith: false },
      }),
    }),
    defineRoute({
      method: "GET",
      url: "/metrics",
      scope: null,
      summary: "Prometheus metrics",
      tags: ["health"],
      handler: async ({ reply }) => {
        try {
          const body = await ctx.metrics.registry.metrics();
          return reply.type(ctx.metrics.registry.contentType).send(body);
        } catch (error) {
          if (!isUnavailable(error)) throw error;
          return reply.code(503).header("retry-after", "5").send("# database unavailable\n");
        }
      },
    }),
  ];
}
