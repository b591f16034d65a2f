/**
 * The approval inbox over HTTP: every pending approval of the caller's tenant (tool calls,
 * budget pauses, other interrupts) and one endpoint to approve, edit or reject. The reviewer
 * recorded is the calling key, so the audit trail says who decided.
 */
import { z } from "zod";
import type { ServerContext } from "../app.ts";
import { ValidationError } from "../errors.ts";
import { defineRoute } from "../route.ts";

const Pending = z.object({
  thread_id: z.string(),
  interrupt_id: z.string(),
  kind: z.enum(["approval", "approvals", "budget", "interrupt"]),
  request: z.unknown(),
  graph_id: z.string().nullable(),
  since: z.string(),
  expires_at: z.string().nullable(),
});

const Decision = z.object({
  action: z.enum(["approve", "reject", "edit"]),
  args: z.unknown().optional(),
  reason: z.string().max(2_000).optional(),
});

const Params = z.object({
  thread_id: z.string().min(1).max(256),
  interrupt_id: z.string().min(1).max(256),
});

export function approvalRoutes({ runtime }: ServerContext) {
  return [
    defineRoute({
      method: "GET",
      url: "/approvals",
      scope: "approvals",
      summary: "Pending approvals of the caller's tenant, oldest first",
      tags: ["governance"],
      query: z.object({ limit: z.coerce.number().int().min(1).max(1000).optional() }),
      response: z.array(Pending),
      handler: async ({ principal, query }) => {
        const pending = await runtime.approvals.list(principal.tenant, { limit: query.limit });
        return pending.map((p) => ({
          thread_id: p.threadId,
          interrupt_id: p.interruptId,
          kind: p.kind,
          request: p.request,
          graph_id: p.graphId,
          since: p.since,
          expires_at: p.expiresAt,
        }));
      },
    }),
    defineRoute({
      method: "POST",
      url: "/approvals/:thread_id/:interrupt_id",
      scope: "approvals",
      summary: "Approve, edit or reject a pending approval (resumes the run)",
      tags: ["governance"],
      params: Params,
      body: Decision,
      status: 202,
      handler: async ({ principal, params, body }) => {
        if (body.action === "edit" && body.args === undefined)
          throw new ValidationError([
            { path: "body.args", message: 'an "edit" needs the arguments to run with' },
          ]);
        const run = await runtime.approvals.decide(
          principal.tenant,
          params.thread_id,
          params.interrupt_id,
          body,
          `key:${principal.keyId}`,
        );
        return { run_id: run.runId, thread_id: run.threadId, status: run.status };
      },
    }),
  ];
}
