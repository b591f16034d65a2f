/**
 * Admin routes of a tenant: operational modes, budgets (with spent, reserved and remaining),
 * cost by dimension, and the audit trail (listing and verification). Every change is audited
 * with the calling key as actor.
 */
import { type BudgetDefinition, NotFoundError, OPERATIONAL_MODES, SETTING } from "@conclave/core";
import { formatUsd, usdToPico } from "@conclave/models";
import { z } from "zod";
import type { ServerContext } from "../app.ts";
import { HttpError } from "../errors.ts";
import { defineRoute } from "../route.ts";

const Mode = z.enum(OPERATIONAL_MODES as unknown as ["auto", "manual", "read-only"]);

function need<T>(service: T | undefined, what: string): T {
  if (service === undefined)
    throw new HttpError(
      501,
      "NOT_CONFIGURED",
      `This server was started without ${what}; start it with the CLI, or pass services to buildServer().`,
    );
  return service;
}

function modeRoutes({ runtime }: ServerContext) {
  return [
    defineRoute({
      method: "GET",
      url: "/admin/modes",
      scope: "admin",
      summary: "The tenant's operational mode and per-assistant overrides",
      tags: ["governance"],
      handler: async ({ principal }) => {
        const settings = (await runtime.modes.settings?.list(principal.tenant)) ?? {};
        const assistants = Object.fromEntries(
          Object.entries(settings)
            .filter(([key]) => key.startsWith("mode:assistant:"))
            .map(([key, mode]) => [key.slice("mode:assistant:".length), mode]),
        );
        return { mode: settings[SETTING.mode] ?? "auto", assistants };
      },
    }),
    defineRoute({
      method: "PUT",
      url: "/admin/modes",
      scope: "admin",
      summary: "Set the tenant's mode, or one assistant's (mode null removes the override)",
      tags: ["governance"],
      body: z.object({
        mode: Mode.nullable(),
        assistant_id: z.string().min(1).max(256).optional(),
      }),
      handler: async ({ principal, body }) => {
        if (body.mode === null && body.assistant_id === undefined)
          throw new HttpError(
            422,
            "VALIDATION",
            "mode null removes an assistant's override; name the assistant_id, or set a tenant mode.",
          );
        await runtime.setMode(principal.tenant, body.mode, {
          assistantId: body.assistant_id,
          actor: `key:${principal.keyId}`,
        });
        return { mode: body.mode, assistant_id: body.assistant_id ?? null };
      },
    }),
  ];
}

const Scope = z.object({
  kind: z.enum(["run", "thread", "agent", "tenant", "global"]),
  value: z.string().max(256).optional(),
});
const Budget = z.object({
  limit_usd: z
    .string()
    .regex(/^\d+(\.\d{1,12})?$/, "a decimal USD amount such as 12.50")
    // Budgets count picodollars in a signed 64-bit integer.
    .refine(
      (v) => !/^\d+(\.\d{1,12})?$/.test(v) || (usdToPico(v) > 0n && usdToPico(v) <= MAX_PICO),
      {
        message: "more than 0 and at most 9223372.036854775807 USD",
      },
    ),
  scope: Scope.optional(),
  period: z.enum(["none", "hour", "day", "month"]).default("day"),
  time_zone: z.string().max(64).optional(),
  action: z.enum(["pause", "downgrade", "fail"]).default("pause"),
  alert_thresholds: z.array(z.number().gt(0).max(1)).max(10).optional(),
});

const MAX_PICO = 2n ** 63n - 1n;

// Budgets belong to a tenant by scope: a tenant's key sees and sets only budgets scoped to it.
const owned = (tenant: string, b: BudgetDefinition) => b.id.startsWith(`${tenant}:`);

function budgetRoutes({ runtime, services }: ServerContext) {
  return [
    defineRoute({
      method: "GET",
      url: "/budgets",
      scope: "admin",
      summary: "Budgets with spent, reserved and remaining amounts in the current period",
      tags: ["governance"],
      handler: async ({ principal }) => {
        const statuses = await need(services.budgets, "a budget store").status(runtime.clock());
        return statuses
          .filter((s) => owned(principal.tenant, s.budget))
          .map((s) => ({
            id: s.budget.id.slice(principal.tenant.length + 1),
            scope: s.budget.scope,
            period: s.budget.period,
            period_key: s.periodKey,
            action: s.budget.action,
            limit_usd: formatUsd(s.budget.limitPico, 6),
            spent_usd: formatUsd(s.spentPico, 6),
            reserved_usd: formatUsd(s.reservedPico, 6),
            remaining_usd: formatUsd(s.remainingPico, 6),
          }));
      },
    }),
    defineRoute({
      method: "PUT",
      url: "/budgets/:budget_id",
      scope: "admin",
      summary: "Create or change a budget of the caller's tenant",
      tags: ["governance"],
      params: z.object({
        budget_id: z
          .string()
          .regex(/^[A-Za-z0-9._-]{1,100}$/, "1-100 letters, digits, '.', '_' or '-'"),
      }),
      body: Budget,
      handler: async ({ principal, params, body }) => {
        const budget: BudgetDefinition = {
          id: `${principal.tenant}:${params.budget_id}`,
          scope: body.scope ?? { kind: "tenant", value: principal.tenant },
          limitPico: usdToPico(body.limit_usd),
          period: body.period,
          timeZone: body.time_zone,
          action: body.action,
          alertThresholds: body.alert_thresholds,
        };
        if (budget.scope.kind === "tenant" && budget.scope.value !== principal.tenant)
          throw new HttpError(
            403,
            "FORBIDDEN",
            `scope.value ${JSON.stringify(budget.scope.value)} names another tenant; a tenant's key can only budget its own tenant (${JSON.stringify(principal.tenant)}), or omit scope.`,
          );
        await need(services.budgets, "a budget store").setBudget(budget);
        await runtime.audit?.record([
          {
            tenant: principal.tenant,
            kind: "admin.budget.set",
            actor: `key:${principal.keyId}`,
            data: {
              budgetId: params.budget_id,
              limitUsd: body.limit_usd,
              period: body.period,
              action: body.action,
            },
          },
        ]);
        return { id: params.budget_id, limit_usd: body.limit_usd };
      },
    }),
    defineRoute({
      method: "DELETE",
      url: "/budgets/:budget_id",
      scope: "admin",
      summary: "Delete a budget of the caller's tenant",
      tags: ["governance"],
      params: z.object({ budget_id: z.string().min(1).max(100) }),
      handler: async ({ principal, params }) => {
        const budgets = need(services.budgets, "a budget store");
        const id = `${principal.tenant}:${params.budget_id}`;
        if (!(await budgets.getBudget(id)))
          throw new NotFoundError(
            "BUDGET_NOT_FOUND",
            `No budget ${JSON.stringify(params.budget_id)} in this tenant.`,
          );
        await budgets.deleteBudget(id);
        await runtime.audit?.record([
          {
            tenant: principal.tenant,
            kind: "admin.budget.deleted",
            actor: `key:${principal.keyId}`,
            data: { budgetId: params.budget_id },
          },
        ]);
        return undefined;
      },
    }),
  ];
}

export { budgetRoutes, modeRoutes };
