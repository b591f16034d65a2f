/**
 * The storage contracts of the model gateway: a ledger of model-call usage and cost, and budget
 * counters that admit calls by reservation. Money is an integer number of pico-USD (1e-12 $) in
 * a bigint: every per-token price in the bundled table is a whole number of pico-USD, so sums are
 * exact (see @conclave/models pricing/money.ts).
 */

/** Tokens of one call, split the way prices are. */
export interface UsageTokens {
  inputNoCache: number;
  inputCacheRead: number;
  inputCacheWrite: number;
  outputText: number;
  outputReasoning: number;
}

/** One model call, as metered. */
export interface UsageRecord {
  /** Unique per call; recording the same id twice stores it once. */
  id: string;
  /** ISO-8601 time the call finished. */
  ts: string;
  runId?: string;
  threadId?: string;
  node?: string;
  agent?: string;
  tenant?: string;
  alias: string;
  deployment: string;
  provider: string;
  model: string;
  tokens: UsageTokens;
  costPico: bigint;
  priceVersion: string;
  latencyMs: number;
  /** Time to first token, for streamed calls. */
  ttftMs?: number;
  status: "ok" | "error" | "cancelled";
  streamed: boolean;
}

/** Dimensions the ledger aggregates by. `day` is the calendar day in `timeZone`. */
export type LedgerDimension =
  | "model"
  | "deployment"
  | "alias"
  | "agent"
  | "thread"
  | "tenant"
  | "day";

export interface LedgerQuery {
  groupBy: LedgerDimension[];
  /** Inclusive lower bound on `ts`. */
  from?: Date;
  /** Exclusive upper bound on `ts`. */
  to?: Date;
  tenant?: string;
  threadId?: string;
  runId?: string;
  /** IANA time zone for `day`; default "UTC". */
  timeZone?: string;
}

/** One aggregated group: its key values, then the sums. */
export interface LedgerRow {
  key: Partial<Record<LedgerDimension, string>>;
  calls: number;
  tokens: UsageTokens;
  costPico: bigint;
}

/** Append-only usage records with aggregate queries. */
export interface Ledger {
  record(record: UsageRecord): Promise<void>;
  query(query: LedgerQuery): Promise<LedgerRow[]>;
  /** Records in time order, for export and audits. */
  list(query: Omit<LedgerQuery, "groupBy"> & { limit?: number }): Promise<UsageRecord[]>;
  /**
   * Optional. Settles `settle.reservationId` in `settle.budgets` at `record.costPico` and stores
   * `record`, in one transaction, when this ledger and that store share storage (a SQLite
   * ledger and budget store on one connection: one commit instead of two). Returns `undefined`
   * and writes nothing when they do not; the caller then calls `budgets.settle` and `record`.
   * @throws what `settle` and `record` throw; then neither is written.
   */
  recordSettled?(record: UsageRecord, settle: SettleTarget): Promise<SettleResult | undefined>;
  /**
   * Optional. True when this process's reads (of the ledger, and of a budget store it settles
   * with) see a record from the moment `record`/`recordSettled` is called, before its promise
   * settles: the gateway then returns a call without waiting for its usage write. Without it
   * (PostgreSQL: another pool connection may read first) the gateway waits for the write.
   */
  readonly readsOwnWrites?: boolean;
}

/** The reservation {@link Ledger.recordSettled} settles along with the record. */
export interface SettleTarget {
  budgets: BudgetStore;
  reservationId: string;
  now: Date;
}

/** What a budget limits. `value` names the run, thread, agent or tenant (absent for global). */
export interface BudgetScope {
  kind: "run" | "thread" | "agent" | "tenant" | "global";
  value?: string;
}

export type BudgetPeriod = "none" | "hour" | "day" | "month";

/** What happens when a call does not fit: pause the run for a human, use a cheaper model, or fail. */
export type BudgetAction = "pause" | "downgrade" | "fail";

export interface BudgetDefinition {
  id: string;
  scope: BudgetScope;
  limitPico: bigint;
  period: BudgetPeriod;
  /** IANA time zone the period boundaries follow; default "UTC". */
  timeZone?: string;
  action: BudgetAction;
  /** Fractions of the limit that raise alerts when spending crosses them, e.g. [0.5, 0.8, 1]. */
  alertThresholds?: number[];
}

export interface BudgetStatus {
  budget: BudgetDefinition;
  /** Key of the current period (e.g. "2026-11-22" for a day), "all" for `none`. */
  periodKey: string;
  spentPico: bigint;
  reservedPico: bigint;
  remainingPico: bigint;
}

export interface ReserveRequest {
  reservationId: string;
  budgetIds: string[];
  amountPico: bigint;
  now: Date;
}

export type ReserveResult =
  | { ok: true }
  | { ok: false; budgetId: string; remainingPico: bigint; limitPico: bigint };

/**
 * A reservation on every budget that `applies` accepts, chosen from the budgets as read in the
 * reserving transaction (see {@link BudgetStore.reserveApplicable}).
 */
export interface ReserveApplicableRequest {
  reservationId: string;
  amountPico: bigint;
  now: Date;
  /** Whether `budget` covers the call. Must be pure and synchronous. */
  applies(budget: BudgetDefinition): boolean;
}

/**
 * The budgets reserved on, in id order (empty when none applied: nothing was stored, so there
 * is nothing to settle), or the first of them, in id order, that refused.
 */
export type ReserveApplicableResult =
  | { ok: true; budgetIds: string[] }
  | { ok: false; budget: BudgetDefinition; remainingPico: bigint; limitPico: bigint };

export interface SettleResult {
  /** Alert thresholds crossed by this settlement, per budget (e.g. 0.8 means 80% was crossed). */
  crossed: { budgetId: string; threshold: number; spentPico: bigint; limitPico: bigint }[];
}

/**
 * Budget counters with reservation. `reserve` is atomic across all named budgets and across
 * processes sharing one database: it succeeds only if spent + reserved + amount stays within
 * every limit, so concurrent calls can never overspend.
 */
export interface BudgetStore {
  setBudget(budget: BudgetDefinition): Promise<void>;
  getBudget(id: string): Promise<BudgetDefinition | undefined>;
  deleteBudget(id: string): Promise<void>;
  status(now: Date, ids?: string[]): Promise<BudgetStatus[]>;
  reserve(request: ReserveRequest): Promise<ReserveResult>;
  /**
   * Optional. Like `status` then `reserve` on the budgets that apply, in one transaction: the
   * budgets are read under the same lock that reserves, so a budget set or deleted in between
   * cannot be missed or fail the call. Callers fall back to `status` + `reserve` without it.
   * @throws ReservationConflictError, InvalidMeteringInputError, as `reserve`.
   */
  reserveApplicable?(request: ReserveApplicableRequest): Promise<ReserveApplicableResult>;
  /** Turns a reservation into spend of `actualPico` (which may be lower than reserved). */
  settle(reservationId: string, actualPico: bigint, now: Date): Promise<SettleResult>;
  /** Drops a reservation without spending (the call never ran). */
  release(reservationId: string): Promise<void>;
  /**
   * Charges in full every reservation made before `olderThan`: its process died (or lost its
   * store) before settling, so the call may have run and what it cost is unknown. Charging the
   * reserved maximum never undercounts spend; holding it forever would shrink the budget for
   * good. A reservation settled or released concurrently is skipped.
   */
  expireReservations(olderThan: Date): Promise<ExpiredReservation[]>;
}

/** A reservation {@link BudgetStore.expireReservations} charged in full. */
export interface ExpiredReservation {
  reservationId: string;
  /** The reserved amount, now spent on each of its budgets. */
  chargedPico: bigint;
  budgetIds: string[];
  crossed: SettleResult["crossed"];
}
