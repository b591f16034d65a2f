/**
 * The PostgreSQL BudgetStore, correct with any number of clients and processes. Each
 * reserve, settle and release is one transaction that row-locks the period counters it reads
 * (`SELECT ... FOR UPDATE`, always in budget-id order so two transactions cannot deadlock),
 * checks them with core's rules, then writes. A concurrent reserve on the same budget waits
 * for the lock and then sees the committed counters, so "check, then add" cannot race.
 *
 * Missing period rows are first created at zero (`INSERT ... ON CONFLICT DO NOTHING`), since
 * a lock needs a row. A deadlock PostgreSQL still detects (e.g. against other writers of
 * these tables) rolls back and is retried a few times.
 */
import {
  assertPico,
  type BudgetDefinition,
  type BudgetRow,
  type BudgetStatus,
  type BudgetStore,
  budgetFromRow,
  budgetToRow,
  type CountersRow,
  checkReserveRequest,
  countersFromRow,
  countersToRow,
  type ExpiredReservation,
  emptyCounters,
  found,
  holdCounters,
  instantOf,
  type PeriodCounters,
  periodKey,
  type Reservation,
  ReservationConflictError,
  ReservationNotFoundError,
  type ReservationRow,
  type ReserveRequest,
  type ReserveResult,
  refusal,
  releaseCounters,
  reservationFromRow,
  reservationToRow,
  type SettleResult,
  sameReservation,
  settleCounters,
  statusOf,
  validateBudget,
} from "@conclave/core";
import type pg from "pg";
import { migrate, quoteSchema } from "./migrate.ts";
import { newPool, rollbackAfter } from "./pool.ts";
import { type BudgetStatements, budgetStatements } from "./sql/budget-statements.ts";

/** Options of the PostgreSQL metering stores. */
export interface PostgresMeteringOptions {
  /** The schema holding the tables; created by `setup()`. Default "public". */
  schema?: string;
  /** Pool settings when the store creates the pool (`fromConnString`). */
  pool?: Omit<pg.PoolConfig, "connectionString">;
}

const DEADLOCK_DETECTED = "40P01";
const MAX_ATTEMPTS = 5;
type Item = { budgetId: string; periodKey: string };

/**
 * A {@link BudgetStore} in PostgreSQL. Call `setup()` once (it also runs on first use); end the
 * pool with `end()` when the store created it.
 * @example
 * const budgets = PostgresBudgetStore.fromConnString(process.env.DATABASE_URL!);
 * const result = await budgets.reserve({ reservationId, budgetIds: ["daily"], amountPico, now });
 */
export class PostgresBudgetStore implements BudgetStore {
  /** The pool, for callers that share it. */
  readonly pool: pg.Pool;
  readonly schema: string;
  readonly #sql: BudgetStatements;
  readonly #owned: boolean;
  #setup: Promise<void> | undefined;

  /** Creates a pool for `url` (postgres://...). The store owns it: `end()` closes it. */
  static fromConnString(url: string, options: PostgresMeteringOptions = {}): PostgresBudgetStore {
    return new PostgresBudgetStore(newPool(url, options.pool), options, true);
  }

  /** Uses an existing pool; `owned` says whether `end()` ends it (default false). */
  constructor(pool: pg.Pool, options: PostgresMeteringOptions = {}, owned = false) {
    this.pool = pool;
    this.schema = options.schema ?? "public";
    this.#sql = budgetStatements(quoteSchema(this.schema));
    this.#owned = owned;
  }

  /** Runs the migrations (once per store; later calls return the same promise). */
  setup(): Promise<void> {
    this.#setup ??= migrate(this.pool, this.schema).catch((error: unknown) => {
      this.#setup = undefined;
      throw error;
    });
    return this.#setup;
  }

  /** Runs `work` in one transaction on one client, retrying it when PostgreSQL picks it as a deadlock victim. */
  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    await this.setup();
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let broken = false;
      try {
        await client.query("BEGIN");
        const result = await work(client);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        broken = await rollbackAfter(client, error);
        const code = (error as { code?: string }).code;
        if (code !== DEADLOCK_DETECTED || attempt >= MAX_ATTEMPTS) throw error;
      } finally {
        client.release(broken);
      }
    }
  }

  async #budgets(
    client: pg.Pool | pg.PoolClient,
    ids: string[] | null,
  ): Promise<Map<string, BudgetDefinition>> {
    const { rows } = await client.query<BudgetRow>(this.#sql.budgets, [ids]);
    return new Map(rows.map((row) => [row.id, budgetFromRow(row)]));
  }

  /** Reads (and with `lock`, row-locks) the counters of `items`; missing rows read as empty. */
  async #counters(
    client: pg.Pool | pg.PoolClient,
    items: Item[],
    lock: boolean,
  ): Promise<Map<string, PeriodCounters>> {
    const sorted = [...items].sort((a, b) => (a.budgetId < b.budgetId ? -1 : 1));
    const ids = sorted.map((i) => i.budgetId);
    const keys = sorted.map((i) => i.periodKey);
    if (lock) await client.query(this.#sql.ensurePeriods, [ids, keys]);
    const sql = lock ? this.#sql.lockPeriods : this.#sql.periods;
    const { rows } = await client.query<CountersRow & { budgetId: string }>(sql, [ids, keys]);
    const found = new Map(rows.map((row) => [row.budgetId, countersFromRow(row)]));
    return new Map(items.map((i) => [i.budgetId, found.get(i.budgetId) ?? emptyCounters()]));
  }

  async #putCounters(
    client: pg.PoolClient,
    items: Item[],
    counters: Map<string, PeriodCounters>,
  ): Promise<void> {
    const rows = items.map((i) => countersToRow(counters.get(i.budgetId)!));
    await client.query(this.#sql.putPeriods, [
      items.map((i) => i.budgetId),
      items.map((i) => i.periodKey),
      rows.map((r) => r.spentPico),
      rows.map((r) => r.reservedPico),
      rows.map((r) => r.alerted),
    ]);
  }

  /** Creates or replaces a budget; counters of its periods are kept. */
  async setBudget(budget: BudgetDefinition): Promise<void> {
    const row = budgetToRow(validateBudget(budget));
    await this.setup();
    await this.pool.query(this.#sql.upsertBudget, [
      row.id,
      row.scopeKind,
      row.scopeValue,
      row.limitPico,
      row.period,
      row.timeZone,
      row.action,
      row.thresholds,
    ]);
  }

  async getBudget(id: string): Promise<BudgetDefinition | undefined> {
    await this.setup();
    return (await this.#budgets(this.pool, [id])).get(id);
  }

  /**
   * Deletes a budget and the counters of all its periods; open reservations stop holding on it.
   * Unknown ids are ignored.
   */
  async deleteBudget(id: string): Promise<void> {
    await this.#transaction(async (client) => {
      await client.query(this.#sql.deleteBudget, [id]);
      await client.query(this.#sql.deletePeriods, [id]);
      await client.query(this.#sql.forgetBudgetInReservations, [id]);
    });
  }

  /** The budgets (all, or those named) in id order, with their current period's counters. */
  async status(now: Date, ids?: string[]): Promise<BudgetStatus[]> {
    instantOf(now, "status() now");
    await this.setup();
    const budgets = await this.#budgets(this.pool, ids ?? null);
    const list = ids ? ids.map((id) => found(budgets.get(id), id)) : [...budgets.values()];
    list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const items = list.map((b) => ({
      budgetId: b.id,
      periodKey: periodKey(b.period, b.timeZone ?? "UTC", now),
    }));
    const counters = await this.#counters(this.pool, items, false);
    return list.map((b, i) => statusOf(b, items[i]!.periodKey, counters.get(b.id)!));
  }

  /** Reserves in every named budget or none, in one transaction holding their row locks. */
  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    const ids = checkReserveRequest(request);
    const amount = request.amountPico;
    return this.#transaction(async (client) => {
      const existing = await this.#reservation(client, request.reservationId);
      if (existing !== undefined) return repeated(existing, ids, amount);
      const budgets = await this.#budgets(client, ids);
      const held = ids.map((id) => found(budgets.get(id), id));
      const items = held.map((b) => ({
        budgetId: b.id,
        periodKey: periodKey(b.period, b.timeZone ?? "UTC", request.now),
      }));
      const counters = await this.#counters(client, items, true);
      for (const b of held) {
        const refused = refusal(b, counters.get(b.id)!, amount);
        if (refused !== undefined) return refused;
      }
      for (const b of held) counters.set(b.id, holdCounters(counters.get(b.id)!, amount));
      await this.#putCounters(client, items, counters);
      const row = reservationToRow({ id: request.reservationId, amountPico: amount, items });
      const inserted = await client.query(this.#sql.insertReservation, [
        row.id,
        row.amountPico,
        row.items,
        request.now,
      ]);
      // Another client opened the same id since our read: roll back rather than hold twice.
      if (inserted.rowCount === 0)
        throw new ReservationConflictError(row.id, "a concurrent reserve");
      return { ok: true };
    });
  }

  async #reservation(client: pg.PoolClient, id: string): Promise<Reservation | undefined> {
    const { rows } = await client.query<ReservationRow>(this.#sql.lockReservation, [id]);
    return rows[0] === undefined ? undefined : reservationFromRow(rows[0]);
  }

  /** Settles in one transaction: locks the reservation, then its counters. */
  async settle(reservationId: string, actualPico: bigint, _now: Date): Promise<SettleResult> {
    assertPico(actualPico, "settle() actualPico");
    return this.#transaction(async (client) => {
      const { crossed } = await this.#settleIn(client, reservationId, () => actualPico);
      return { crossed };
    });
  }

  /** Charges in full the reservations made before `olderThan`, each in its own transaction. */
  async expireReservations(olderThan: Date): Promise<ExpiredReservation[]> {
    const cutoff = new Date(instantOf(olderThan, "expireReservations() olderThan"));
    const { rows } = await this.pool.query<{ id: string }>(this.#sql.staleReservations, [cutoff]);
    const charged: ExpiredReservation[] = [];
    for (const { id } of rows) {
      const one = await this.#transaction(async (client) => {
        try {
          const { reservation, crossed } = await this.#settleIn(client, id, (held) => held);
          const budgetIds = reservation.items.map((i) => i.budgetId);
          return { reservationId: id, chargedPico: reservation.amountPico, budgetIds, crossed };
        } catch (error) {
          // Settled or released by its own process, or by another sweeper, since the read.
          if (error instanceof ReservationNotFoundError) return undefined;
          throw error;
        }
      });
      if (one !== undefined) charged.push(one);
    }
    return charged;
  }

  /** Settles a locked reservation at `actualOf(its amount)`. */
  async #settleIn(
    client: pg.PoolClient,
    reservationId: string,
    actualOf: (reservedPico: bigint) => bigint,
  ): Promise<SettleResult & { reservation: Reservation }> {
    const { reservation, budgets, items, counters } = await this.#open(client, reservationId);
    const actualPico = actualOf(reservation.amountPico);
    const crossed: SettleResult["crossed"] = [];
    for (const { budgetId } of items) {
      const next = settleCounters(
        budgets.get(budgetId)!,
        counters.get(budgetId)!,
        reservation.amountPico,
        actualPico,
      );
      counters.set(budgetId, next.counters);
      crossed.push(...next.crossed);
    }
    await this.#putCounters(client, items, counters);
    await client.query(this.#sql.deleteReservation, [reservationId]);
    return { crossed, reservation };
  }

  /** Releases in one transaction: locks the reservation, then its counters. */
  async release(reservationId: string): Promise<void> {
    await this.#transaction(async (client) => {
      const { reservation, items, counters } = await this.#open(client, reservationId);
      for (const { budgetId } of items) {
        counters.set(budgetId, releaseCounters(counters.get(budgetId)!, reservation.amountPico));
      }
      await this.#putCounters(client, items, counters);
      await client.query(this.#sql.deleteReservation, [reservationId]);
    });
  }

  /** Locks an open reservation and the counters of its budgets that still exist. */
  async #open(client: pg.PoolClient, reservationId: string) {
    const reservation = await this.#reservation(client, reservationId);
    if (reservation === undefined) throw new ReservationNotFoundError(reservationId);
    const budgets = await this.#budgets(
      client,
      reservation.items.map((i) => i.budgetId),
    );
    // A budget deleted since the reservation has no counters left to move.
    const items = reservation.items.filter((i) => budgets.has(i.budgetId));
    const counters = await this.#counters(client, items, true);
    return { reservation, budgets, items, counters };
  }

  /** Ends the pool when this store created it. */
  async end(): Promise<void> {
    if (this.#owned) await this.pool.end();
  }
}

function repeated(existing: Reservation, ids: string[], amount: bigint): ReserveResult {
  if (sameReservation(existing, ids, amount)) return { ok: true };
  const held = existing.items.map((i) => i.budgetId);
  throw new ReservationConflictError(existing.id, `${existing.amountPico} pico-USD on [${held}]`);
}
