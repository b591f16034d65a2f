import {
  type BudgetDefinition,
  type BudgetStore,
  ConclaveError,
  type ErrorDisposition,
  interrupt,
  type ReserveApplicableResult,
} from "@conclave/core";
import { formatUsd } from "../pricing/money.ts";
import type { CallContext, GatewayEvent } from "./gateway-types.ts";

/** A call did not fit a budget whose action is `fail` (or no cheaper alias was configured). */
export class BudgetExceededError extends ConclaveError {
  override readonly disposition: ErrorDisposition = "terminal";
  readonly budgetId: string;
  readonly neededPico: bigint;
  readonly remainingPico: bigint;
  constructor(
    budgetId: string,
    alias: string,
    neededPico: bigint,
    remainingPico: bigint,
    hint: string,
  ) {
    super(
      "BUDGET_EXCEEDED",
      `Budget "${budgetId}" cannot cover a call to "${alias}": it may cost up to $${formatUsd(neededPico)} and $${formatUsd(remainingPico)} remains. ${hint}`,
    );
    this.budgetId = budgetId;
    this.neededPico = neededPico;
    this.remainingPico = remainingPico;
  }
}

/** Whether a budget's scope covers a call made in `context`. Pure. */
export function appliesTo(budget: BudgetDefinition, context: CallContext): boolean {
  const { kind, value } = budget.scope;
  switch (kind) {
    case "global":
      return true;
    case "run":
      return value !== undefined && value === context.runId;
    case "thread":
      return value !== undefined && value === context.threadId;
    case "agent":
      return value !== undefined && value === (context.agent ?? context.node);
    case "tenant":
      return value !== undefined && value === context.tenant;
  }
}

export type Admission =
  | { kind: "reserved"; reservationId: string | undefined }
  | { kind: "downgrade"; to: string }
  | { kind: "approved" };

/**
 * Reserves the most a call can cost on every budget that applies, before it runs. When a budget
 * refuses, its action decides: `fail` throws, `downgrade` names the cheaper alias, `pause`
 * interrupts the run (type `budget`) so a human can raise the limit or approve. Stores with
 * `reserveApplicable` pick the budgets and reserve in one transaction; others take `status`
 * then `reserve`.
 */
export async function admit(
  store: BudgetStore | undefined,
  request: AdmitRequest,
  context: CallContext,
  emit: (event: GatewayEvent) => void,
): Promise<Admission> {
  if (!store) return { kind: "reserved", reservationId: undefined };
  const result = store.reserveApplicable
    ? await store.reserveApplicable({
        reservationId: request.reservationId,
        amountPico: request.amountPico,
        now: request.now,
        applies: (budget) => appliesTo(budget, context),
      })
    : await statusThenReserve(store, request, context);
  if (result.ok) {
    const reserved = result.budgetIds.length > 0 ? request.reservationId : undefined;
    return { kind: "reserved", reservationId: reserved };
  }
  const { budget, remainingPico } = result;
  emit({
    type: "budget:exhausted",
    budgetId: budget.id,
    action: budget.action,
    alias: request.alias,
    neededPico: request.amountPico,
    remainingPico,
  });
  return refuse(budget, request, remainingPico, context);
}

/** What {@link admit} reserves. */
export interface AdmitRequest {
  alias: string;
  downgradeTo?: string;
  amountPico: bigint;
  reservationId: string;
  now: Date;
}

/** The two-step admission, for stores without `reserveApplicable`. */
async function statusThenReserve(
  store: BudgetStore,
  request: AdmitRequest,
  context: CallContext,
): Promise<ReserveApplicableResult> {
  const statuses = await store.status(request.now);
  const applicable = statuses.filter((s) => appliesTo(s.budget, context));
  if (applicable.length === 0) return { ok: true, budgetIds: [] };
  const budgetIds = applicable.map((s) => s.budget.id);
  const result = await store.reserve({
    reservationId: request.reservationId,
    budgetIds,
    amountPico: request.amountPico,
    now: request.now,
  });
  if (result.ok) return { ok: true, budgetIds };
  const budget = applicable.find((s) => s.budget.id === result.budgetId)!.budget;
  return { ok: false, budget, remainingPico: result.remainingPico, limitPico: result.limitPico };
}

function refuse(
  budget: BudgetDefinition,
  request: { alias: string; downgradeTo?: string; amountPico: bigint },
  remainingPico: bigint,
  context: CallContext,
): Admission {
  if (budget.action === "downgrade" && request.downgradeTo)
    return { kind: "downgrade", to: request.downgradeTo };
  if (budget.action === "pause" && context.nodeConfig !== undefined) {
    const answer = interrupt<unknown, { approved?: boolean } | undefined>(
      {
        type: "budget",
        budgetId: budget.id,
        alias: request.alias,
        neededUsd: formatUsd(request.amountPico),
        remainingUsd: formatUsd(remainingPico),
        reason: `Budget "${budget.id}" is exhausted; raise its limit and resume, or resume with { approved: true } to allow this call.`,
      },
      context.nodeConfig,
    );
    if (answer?.approved) return { kind: "approved" };
  }
  const hint =
    budget.action === "downgrade"
      ? `Its action is downgrade but alias "${request.alias}" has no downgradeTo; configure one or raise the limit.`
      : "Raise the budget's limit, wait for its next period, or use a cheaper alias.";
  throw new BudgetExceededError(budget.id, request.alias, request.amountPico, remainingPico, hint);
}
