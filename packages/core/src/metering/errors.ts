/**
 * Typed errors of the ledger and the budget store. All are terminal: each means the caller
 * passed something wrong (a bad definition, an unknown id), and retrying the same call cannot
 * succeed.
 */
import { ConclaveError, type ConclaveErrorOptions } from "../errors.ts";

/** A budget definition cannot be stored: bad limit, period, action, scope or thresholds. */
export class InvalidBudgetError extends ConclaveError {
  constructor(message: string, options?: ConclaveErrorOptions) {
    super("INVALID_BUDGET", message, options);
  }
}

/** A time zone is not a valid IANA name this runtime's Intl knows. */
export class InvalidTimeZoneError extends ConclaveError {
  readonly timeZone: unknown;
  constructor(timeZone: unknown, where: string, options?: ConclaveErrorOptions) {
    super(
      "INVALID_TIME_ZONE",
      `${where} time zone ${JSON.stringify(timeZone)} is not a known IANA time zone; use a name ` +
        `such as "UTC" or "Europe/Paris".`,
      options,
    );
    this.timeZone = timeZone;
  }
}

/** A reserve or status call named a budget that was never set (or was deleted). */
export class BudgetNotFoundError extends ConclaveError {
  readonly budgetId: string;
  constructor(budgetId: string, options?: ConclaveErrorOptions) {
    super(
      "BUDGET_NOT_FOUND",
      `No budget has id ${JSON.stringify(budgetId)}; call setBudget() first, or drop it from ` +
        "budgetIds.",
      options,
    );
    this.budgetId = budgetId;
  }
}

/** A settle or release named a reservation that does not exist or was already settled. */
export class ReservationNotFoundError extends ConclaveError {
  readonly reservationId: string;
  constructor(reservationId: string, options?: ConclaveErrorOptions) {
    super(
      "RESERVATION_NOT_FOUND",
      `No open reservation has id ${JSON.stringify(reservationId)}: it was never made, or was ` +
        "already settled or released; settle or release each reservation exactly once.",
      options,
    );
    this.reservationId = reservationId;
  }
}

/** A reserve reused an open reservation's id with different budgets or a different amount. */
export class ReservationConflictError extends ConclaveError {
  readonly reservationId: string;
  constructor(reservationId: string, detail: string, options?: ConclaveErrorOptions) {
    super(
      "RESERVATION_CONFLICT",
      `Reservation ${JSON.stringify(reservationId)} is already open with ${detail}; use a new ` +
        "reservation id per call.",
      options,
    );
    this.reservationId = reservationId;
  }
}

/** A usage record, ledger query or reserve request has a field out of range. */
export class InvalidMeteringInputError extends ConclaveError {
  constructor(message: string, options?: ConclaveErrorOptions) {
    super("INVALID_METERING_INPUT", message, options);
  }
}
