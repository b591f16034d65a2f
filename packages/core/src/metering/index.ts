/**
 * Metering: the in-memory Ledger and BudgetStore, and the pure rules and row codecs the SQL
 * adapters (@conclave/sqlite, @conclave/postgres) share with them.
 */

export {
  ALLOWANCE_HEADROOM,
  type AllowanceRow,
  type AllowanceTransaction,
  drawIn,
  giveIn,
  topUpIn,
} from "./allowance-flow.ts";
export {
  type BudgetRow,
  budgetFromRow,
  budgetToRow,
  type CountersRow,
  countersFromRow,
  countersToRow,
  type ReservationRow,
  reservationFromRow,
  reservationToRow,
} from "./budget-codec.ts";
export {
  type BudgetTransaction,
  chargeIn,
  releaseIn,
  reserveApplicableIn,
  reserveIn,
  settleIn,
} from "./budget-flow.ts";
export {
  assertPico,
  checkReserveRequest,
  emptyCounters,
  found,
  holdCounters,
  MAX_PICO,
  type PeriodCounters,
  type Reservation,
  refusal,
  releaseCounters,
  remaining,
  sameReservation,
  settleCounters,
  statusOf,
  validateBudget,
} from "./budget-rules.ts";
export {
  BudgetNotFoundError,
  InvalidBudgetError,
  InvalidMeteringInputError,
  InvalidTimeZoneError,
  ReservationConflictError,
  ReservationNotFoundError,
} from "./errors.ts";
export {
  type CheckedFilter,
  type CheckedQuery,
  checkFilter,
  checkLimit,
  checkQuery,
  checkUsageRecord,
  emptyTokens,
  LEDGER_DIMENSIONS,
  matches,
  sortRows,
} from "./ledger-rules.ts";
export { MemoryBudgetStore } from "./memory-budget-store.ts";
export { MemoryLedger } from "./memory-ledger.ts";
export { ALL_TIME_KEY, BUDGET_PERIODS, instantOf, periodKey } from "./period.ts";
export {
  assertTimeZone,
  type DayRange,
  dayKey,
  dayRanges,
  type LocalParts,
  localParts,
  MAX_DAY_RANGES,
  offsetMs,
} from "./time-zone.ts";
export type * from "./types.ts";
export {
  type AggregateRow,
  ledgerRowFrom,
  type UsageRow,
  usageFromRow,
  usageToRow,
} from "./usage-codec.ts";
