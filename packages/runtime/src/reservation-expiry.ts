/**
 * Budget reservations a process never settled (it died between a model call and its deferred
 * settlement) would hold their budget forever. The workers' sweep charges them in full once
 * they are older than any call can run, as `BudgetStore.expireReservations` describes.
 */
import type { BudgetStore } from "@conclave/core";
import type { RuntimeLogger } from "./runtime-context.ts";

/** Longer than any model call is allowed to run (deployment timeouts are minutes at most). */
export const DEFAULT_RESERVATION_MAX_AGE_MS = 60 * 60 * 1000;

export interface ReservationExpiryOptions {
  /** The budget store the platform's model calls reserve on. */
  store: BudgetStore;
  /** Age after which an open reservation is charged in full. Default 1 hour. */
  reservationMaxAgeMs?: number;
}

/** Charges the reservations older than the maximum age; logs what it charged. */
export async function expireStaleReservations(
  options: ReservationExpiryOptions,
  now: Date,
  logger: RuntimeLogger,
): Promise<void> {
  const maxAgeMs = options.reservationMaxAgeMs ?? DEFAULT_RESERVATION_MAX_AGE_MS;
  const expired = await options.store.expireReservations(new Date(now.getTime() - maxAgeMs));
  if (expired.length === 0) return;
  logger.warn(
    {
      reservations: expired.map((e) => ({
        reservationId: e.reservationId,
        chargedPico: e.chargedPico.toString(),
        budgetIds: e.budgetIds,
      })),
      maxAgeMs,
    },
    "charged budget reservations in full that no process settled (its calls may have run)",
  );
}
