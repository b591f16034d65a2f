/**
 * Read-only admin views: cost by dimension from the usage ledger, and the tenant's audit trail
 * (paged listing and chain verification). Both are confined to the caller's tenant.
 */
import { formatUsd } from "@conclave/models";
import { z } from "zod";
import type { ServerContext } from "../app.ts";
import { HttpError } from "../errors.ts";
import { defineRoute } from "../route.ts";

const DIMENSIONS = ["model", "deployment", "alias", "agent", "thread", "day"] as const;

function costRoute({ services }: ServerContext) {
  return defineRoute({
    method: "GET",
    url: "/cost",
    scope: "admin",
    summary: "Model spend of the caller's tenant, grouped by model, agent, thread or day",
    tags: ["governance"],
    query: z.object({
      by: z
        .string()
        .default("model")
        .refine((v) => v.split(",").every((d) => (DIMENSIONS as readonly string[]).includes(d)), {
          message: `a comma-separated list of ${DIMENSIONS.join(", ")}`,
        }),
      from: z.iso.datetime().optional(),
      to: z.iso.datetime().optional(),
      tz: z.string().max(64).optional(),
    }),
    handler: async ({ principal, query }) => {
      if (!services.ledger)
        throw new HttpError(
          501,
          "NOT_CONFIGURED",
          "This server was started without a usage ledger.",
        );
      const rows = await services.ledger.query({
        groupBy: query.by.split(",") as (typeof DIMENSIONS)[number][],
        tenant: principal.tenant,
        from: query.from ? new Date(query.from) : undefined,
        to: query.to ? new Date(query.to) : undefined,
        timeZone: query.tz,
      });
      return rows.map((r) => ({
        key: r.key,
        calls: r.calls,
        tokens: r.tokens,
        cost_usd: formatUsd(r.costPico, 6),
      }));
    },
  });
}

function auditRoutes({ runtime }: ServerContext) {
  const log = () => {
    if (!runtime.audit)
      throw new HttpError(501, "NOT_CONFIGURED", "This server runs without an audit log.");
    return runtime.audit.log;
  };
  return [
    defineRoute({
      method: "GET",
      url: "/audit/events",
      scope: "admin",
      summary: "The tenant's audit events in chain order, paged by sequence number",
      tags: ["governance"],
      query: z.object({
        after_seq: z.coerce.number().int().min(0).optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
        run_id: z.string().max(256).optional(),
      }),
      handler: async ({ principal, query }) => {
        await runtime.audit?.flush();
        return log().list({
          tenant: principal.tenant,
          afterSeq: query.after_seq,
          limit: query.limit,
          runId: query.run_id,
        });
      },
    }),
    defineRoute({
      method: "GET",
      url: "/audit/verify",
      scope: "admin",
      summary: "Verifies the tenant's audit hash chain; names the first broken event",
      tags: ["governance"],
      handler: async ({ principal }) => {
        await runtime.audit?.flush();
        return log().verify(principal.tenant);
      },
    }),
  ];
}

export { auditRoutes, costRoute };
