import type { BudgetStore, Ledger, TaskRuntime, UsageRecord } from "@conclave/core";
import type { ModelRegistry } from "../registry/registry.ts";
import type { AliasConfig, RouterClock, RoutingDecision } from "../router/router-types.ts";

/** Who a call is for: attached to its usage record, and used to pick the budgets that apply. */
export interface CallContext {
  runId?: string;
  threadId?: string;
  node?: string;
  agent?: string;
  tenant?: string;
  /** Queue priority when a deployment is saturated (higher first). */
  priority?: number;
  /** The node's runtime handle: journals the call so a re-run replays it instead of re-routing. */
  runtime?: TaskRuntime;
  /** The node's config, so a `pause` budget can interrupt the run. */
  nodeConfig?: unknown;
}

/** An alias of the gateway: a router alias plus where to go when a budget says downgrade. */
export interface GatewayAlias extends AliasConfig {
  /** The cheaper alias a `downgrade` budget routes to. */
  downgradeTo?: string;
}

/** Events the gateway reports (routing, usage, budget alerts and exhaustion). */
export type GatewayEvent =
  | { type: "model:decision"; decision: RoutingDecision }
  | { type: "model:usage"; record: UsageRecord }
  /**
   * The usage record (and budget settlement) of a finished call could not be stored. The call's
   * reservation stays held, so budgets stay safe; the record is in the event for the operator.
   */
  | { type: "model:metering-failed"; record: UsageRecord; error: unknown }
  | {
      type: "budget:alert";
      budgetId: string;
      threshold: number;
      spentPico: bigint;
      limitPico: bigint;
    }
  | {
      type: "budget:exhausted";
      budgetId: string;
      action: "pause" | "downgrade" | "fail";
      alias: string;
      neededPico: bigint;
      remainingPico: bigint;
    };

export interface GatewayOptions {
  registry: ModelRegistry;
  aliases: Record<string, GatewayAlias>;
  ledger?: Ledger;
  budgets?: BudgetStore;
  /** Router time source (windows, cooldowns, waits). */
  clock?: RouterClock;
  /** Wall clock for records and budget periods (default: now). */
  now?: () => Date;
  /** Output tokens assumed for a reservation when the call sets no `maxOutputTokens` (default 1024). */
  defaultMaxOutputTokens?: number;
  onEvent?: (event: GatewayEvent) => void;
}
