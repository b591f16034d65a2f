/**
 * `conclave budgets ls|set|rm`: spending limits the model gateway enforces by reservation.
 * `ls` shows each budget's current period with spent, reserved (calls in flight) and remaining
 * amounts. Changes are audited as `admin.budget.set` and `admin.budget.deleted`, in the scope's
 * tenant for a tenant budget and in --tenant (default "default") otherwise.
 */
import {
  type BudgetAction,
  type BudgetDefinition,
  type BudgetPeriod,
  type BudgetScope,
  type BudgetStatus,
  NotFoundError,
  validateBudget,
} from "@conclave/core";
import { usdToPico } from "@conclave/models";
import { EXIT, emit, table, UsageError, usd } from "../kit.ts";
import {
  type Action,
  choiceFlag,
  commandGroup,
  type Flags,
  noPositionals,
  required,
  text,
} from "./command-group.ts";
import { type Session, withPlatform } from "./session.ts";

const PERIODS: readonly BudgetPeriod[] = ["none", "hour", "day", "month"];
const ACTIONS: readonly BudgetAction[] = ["pause", "downgrade", "fail"];
const SCOPES: readonly BudgetScope["kind"][] = ["global", "tenant", "agent", "thread", "run"];

const SET_USAGE = `Usage: conclave budgets set <id> --limit <usd> --scope <scope> --period <period>
                           [--action pause|downgrade|fail] [--alerts <fractions>] [--tz <zone>]
                           [--tenant <t>]

--limit     US dollars per period, e.g. 25 or 0.50
--scope     global, tenant:<t>, agent:<a>, thread:<id> or run:<id>
--period    none (a lifetime cap), hour, day or month (boundaries in --tz, default UTC)
--action    what a call that does not fit does: fail (default), pause the run for a human,
            or downgrade to the alias's cheaper model
--alerts    fractions of the limit that raise alerts, e.g. 0.5,0.8,1
--tenant    the tenant whose audit log records the change (default: a tenant scope's, else
            "default")
Setting an existing id replaces its definition; its spending so far is kept.`;

const USAGE = `Usage: conclave budgets ls
       conclave budgets set <id> --limit <usd> --scope <scope> --period <period> [...]
       conclave budgets rm <id>

${SET_USAGE.split("\n").slice(4).join("\n")}
Every action takes --database <url>, --config <file>, --profile <name> and -o.`;

function scopeText(scope: BudgetScope): string {
  return scope.kind === "global" ? "global" : `${scope.kind}:${scope.value}`;
}

function statusTable(statuses: BudgetStatus[]): string {
  if (statuses.length === 0) return "no budgets";
  return table(
    ["ID", "SCOPE", "PERIOD", "ACTION", "LIMIT", "SPENT", "RESERVED", "REMAINING", "USED"],
    statuses.map((s) => {
      const used = Number((s.spentPico * 1000n) / s.budget.limitPico) / 10;
      return [
        s.budget.id,
        scopeText(s.budget.scope),
        s.budget.period === "none" ? "none" : `${s.budget.period} ${s.periodKey}`,
        s.budget.action,
        usd(s.budget.limitPico),
        usd(s.spentPico),
        usd(s.reservedPico),
        usd(s.remainingPico),
        `${used}%`,
      ];
    }),
  );
}

const ls: Action = {
  usage: `Usage: conclave budgets ls

Every budget with its current period: spent, reserved by calls in flight, and remaining.`,
  run: (ctx, flags, positionals) =>
    withPlatform(ctx, flags, async ({ platform }) => {
      noPositionals(positionals);
      const statuses = await platform.budgets.status(new Date());
      emit(ctx, statuses, () => statusTable(statuses));
      return EXIT.ok;
    }),
};

function parseScope(raw: string | undefined): BudgetScope {
  if (raw === undefined)
    throw new UsageError(
      "budgets set needs --scope: global, tenant:<t>, agent:<a>, thread:<id> or run:<id>.",
    );
  if (raw === "global") return { kind: "global" };
  const colon = raw.indexOf(":");
  const kind = raw.slice(0, colon) as BudgetScope["kind"];
  const value = raw.slice(colon + 1);
  if (colon < 0 || !SCOPES.includes(kind) || kind === "global" || value === "")
    throw new UsageError(
      `--scope must be global, tenant:<t>, agent:<a>, thread:<id> or run:<id>; got ${JSON.stringify(raw)}.`,
    );
  return { kind, value };
}

function parseLimit(raw: string | undefined): bigint {
  const amount = raw?.replace(/^\$/, "");
  if (amount === undefined || !/^\d+(\.\d+)?$/.test(amount) || /^0+(\.0+)?$/.test(amount))
    throw new UsageError(
      `budgets set needs --limit <usd>, a positive amount of US dollars such as 25 or 0.50; got ${JSON.stringify(raw ?? null)}.`,
    );
  return usdToPico(amount);
}

function parseAlerts(raw: string | undefined): number[] | undefined {
  if (raw === undefined) return undefined;
  const values = raw.split(",").map((part) => Number(part.trim()));
  if (values.some((v) => !Number.isFinite(v) || v <= 0))
    throw new UsageError(
      `--alerts takes fractions of the limit separated by commas, e.g. 0.5,0.8,1; got ${JSON.stringify(raw)}.`,
    );
  return values;
}

/** The definition the flags describe, checked as the store will check it. */
function definitionOf(id: string, flags: Flags): BudgetDefinition {
  const period = choiceFlag(flags, "period", PERIODS);
  if (period === undefined)
    throw new UsageError(`budgets set needs --period: ${PERIODS.join(", ")}.`);
  const definition: BudgetDefinition = {
    id,
    scope: parseScope(text(flags, "scope")),
    limitPico: parseLimit(text(flags, "limit")),
    period,
    timeZone: text(flags, "tz") ?? "UTC",
    action: choiceFlag(flags, "action", ACTIONS, "fail")!,
    alertThresholds: parseAlerts(text(flags, "alerts")),
  };
  try {
    return validateBudget(definition);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function auditTenant(flags: Flags, scope: BudgetScope): string {
  return text(flags, "tenant") ?? (scope.kind === "tenant" ? scope.value! : "default");
}

async function setBudget(session: Session, flags: Flags, definition: BudgetDefinition) {
  const { budgets, audit } = session.platform;
  const existed = (await budgets.getBudget(definition.id)) !== undefined;
  await budgets.setBudget(definition);
  const data = {
    budgetId: definition.id,
    scope: scopeText(definition.scope),
    limitPico: definition.limitPico.toString(),
    period: definition.period,
    action: definition.action,
    created: !existed,
  };
  const tenant = auditTenant(flags, definition.scope);
  await audit.append([{ tenant, kind: "admin.budget.set", actor: "cli", data }]);
  return existed;
}

const set: Action = {
  usage: SET_USAGE,
  options: {
    limit: { type: "string" },
    scope: { type: "string" },
    period: { type: "string" },
    action: { type: "string" },
    alerts: { type: "string" },
    tz: { type: "string" },
    tenant: { type: "string" },
  },
  async run(ctx, flags, positionals) {
    const id = required(positionals, "a budget id", "a name of your choosing, e.g. monthly-cap");
    const definition = definitionOf(id, flags);
    return withPlatform(ctx, flags, async (session) => {
      const existed = await setBudget(session, flags, definition);
      const [status] = await session.platform.budgets.status(new Date(), [id]);
      emit(ctx, status ?? definition, () =>
        [
          `${existed ? "updated" : "created"} budget ${id}`,
          statusTable(status ? [status] : []),
        ].join("\n"),
      );
      return EXIT.ok;
    });
  },
};

const rm: Action = {
  usage: `Usage: conclave budgets rm <id> [--tenant <t>]

Deletes the budget and its counters; calls are no longer limited by it.`,
  options: { tenant: { type: "string" } },
  run: (ctx, flags, positionals) =>
    withPlatform(ctx, flags, async ({ platform }) => {
      const id = required(positionals, "a budget id", "see `conclave budgets ls`");
      const budget = await platform.budgets.getBudget(id);
      if (!budget)
        throw new NotFoundError(
          "BUDGET_NOT_FOUND",
          `no budget ${JSON.stringify(id)}; see \`conclave budgets ls\`.`,
        );
      await platform.budgets.deleteBudget(id);
      const tenant = auditTenant(flags, budget.scope);
      await platform.audit.append([
        { tenant, kind: "admin.budget.deleted", actor: "cli", data: { budgetId: id } },
      ]);
      emit(ctx, { budgetId: id, deleted: true }, () => `deleted budget ${id}`);
      return EXIT.ok;
    }),
};

/** `conclave budgets`. */
export const budgetsCommand = commandGroup({
  name: "budgets",
  summary: "list budgets with spent/reserved/remaining; set and remove them",
  usage: USAGE,
  actions: { ls, set, rm },
});
