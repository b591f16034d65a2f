/**
 * Budget allowances of one SQLite connection: reservations held ahead of the calls that will
 * need them, so that a model call is usually admitted in memory instead of in a `BEGIN
 * IMMEDIATE` transaction (core's `allowance-flow.ts` has the rules; ARCHITECTURE the lifecycle).
 *
 * Decision: the reservation transaction cost a streamed gateway call about 0.12 ms of its 0.2 ms
 * budget (bench:gateway), mostly the write lock and the commit. An allowance keeps a
 * reservation's guarantees: what it holds is reserved in the database, so no process can spend
 * it twice; a call takes only what fits; its settlement is written with its usage record.
 */
import {
  type AllowanceTransaction,
  type BudgetDefinition,
  type BudgetRow,
  drawIn,
  giveIn,
  ReservationConflictError,
  ReservationNotFoundError,
  type SettleResult,
  settleIn,
  topUpIn,
} from "@conclave/core";
import type { Database } from "better-sqlite3";
import { BudgetList } from "./budget-list.ts";
import { type OutcomeHook, PlatformDb } from "./platform/platform-db.ts";

/** Default time an allowance may sit unused before it is given back. */
export const ALLOWANCE_IDLE_MS = 1000;

type Items = { budgetId: string; periodKey: string }[];

interface Allowance {
  readonly id: string;
  readonly key: string;
  readonly items: Items;
  /** Held in the database and promised to no call; negative after a call spent past its share. */
  free: bigint;
  inFlight: number;
  /** Most calls in flight at once since the last top-up. */
  peak: number;
  largest: bigint;
  lastUsedMs: number;
  /** The latest `now` of a call: the time the allowance's row is stamped with, for expiry. */
  lastNow: Date;
  toppingUp: boolean;
  /** No top-up before this (performance.now()): the last one was refused. */
  refusedUntilMs: number;
}

interface Call {
  allowance: Allowance;
  amountPico: bigint;
  /** Taken from the allowance, or reserved in the database on its own. */
  pooled: boolean;
  /** Its settlement is written and not yet committed. */
  settling: boolean;
}

/** A settlement written in the caller's transaction; memory follows when it commits. */
export interface Settling extends OutcomeHook {
  result: SettleResult;
}

const ofConnection = new WeakMap<Database, BudgetAllowances>();

/** The allowances and the cached budget list of one connection, shared by its budget stores. */
export class BudgetAllowances {
  readonly #db: Database;
  readonly #tx: AllowanceTransaction;
  readonly #list: BudgetList;
  readonly #byKey = new Map<string, Allowance>();
  readonly #retired = new Set<Allowance>();
  readonly #calls = new Map<string, Call>();
  #timer: NodeJS.Timeout | undefined;
  idleMs = ALLOWANCE_IDLE_MS;

  /** The connection's instance if a store with allowances made one. */
  static existing(db: Database): BudgetAllowances | undefined {
    return ofConnection.get(db);
  }

  /** The connection's instance, made on first use with a store's transaction steps. */
  static of(db: Database, tx: AllowanceTransaction): BudgetAllowances {
    let found = ofConnection.get(db);
    if (found === undefined) {
      found = new BudgetAllowances(db, tx);
      ofConnection.set(db, found);
      PlatformDb.of(db).beforeClose(() => found!.giveBackOnClose());
    }
    return found;
  }

  private constructor(db: Database, tx: AllowanceTransaction) {
    this.#db = db;
    this.#tx = tx;
    this.#list = new BudgetList(db);
  }

  /**
   * Every budget (cached, see budget-list.ts). A change retires the allowances, so no call is
   * admitted under a limit that no longer holds, nor from counters that were deleted.
   */
  budgets(readRows: () => BudgetRow[]): BudgetDefinition[] {
    const { budgets, changed } = this.#list.read(readRows);
    if (changed) this.retireAll();
    return budgets;
  }

  /** A store on this connection changed a budget. */
  budgetsChanged(): void {
    this.#list.invalidate();
    this.retireAll();
  }

  /**
   * Admits a call from the allowance of `key`, when it holds `amountPico` free.
   * @returns whether it did; `true` also for a retry of a call already admitted from it.
   * @throws ReservationConflictError for an id already open with another amount or budgets.
   */
  take(id: string, key: string, amountPico: bigint, now: Date): boolean {
    const open = this.#calls.get(id);
    if (open !== undefined) return this.#retried(id, open, key, amountPico);
    const allowance = this.#byKey.get(key);
    if (allowance === undefined || allowance.free < amountPico) return false;
    allowance.free -= amountPico;
    this.#calls.set(id, { allowance, amountPico, pooled: true, settling: false });
    this.#started(allowance, amountPico, now);
    return true;
  }

  /** Notes a call reserved in the database on `items`: its settlement may top up `key`. */
  noteReserved(id: string, key: string, items: Items, amountPico: bigint, now: Date): void {
    if (this.#calls.has(id)) return;
    let allowance = this.#byKey.get(key);
    if (allowance === undefined) {
      allowance = newAllowance(key, items, now);
      this.#byKey.set(key, allowance);
      this.#watchIdle();
    }
    this.#calls.set(id, { allowance, amountPico, pooled: false, settling: false });
    this.#started(allowance, amountPico, now);
  }

  /** Whether `id` was reserved in the database by this connection and is still open. */
  reservedDirectly(id: string): boolean {
    return this.#calls.get(id)?.pooled === false;
  }

  /**
   * Writes the settlement of call `id` in the caller's transaction: drawn from its allowance,
   * or as a database reservation. Memory follows only once that commits (`committed`), so a
   * settlement that rolls back leaves the call open for a retry. Undefined when the call is not
   * this connection's.
   * @throws ReservationNotFoundError while another settlement of the call is uncommitted.
   */
  settle(id: string, actualPico: bigint): Settling | undefined {
    const call = this.#calls.get(id);
    if (call === undefined) return undefined;
    if (call.settling) throw new ReservationNotFoundError(id);
    call.settling = true;
    const { allowance } = call;
    let result: SettleResult | undefined;
    try {
      result = call.pooled
        ? drawIn(this.#tx, allowance.id, actualPico, allowance.lastNow)
        : settleIn(this.#tx, id, actualPico);
    } catch (error) {
      call.settling = false;
      throw error;
    }
    return {
      result: result ?? { crossed: [] },
      committed: () => {
        if (!call.pooled) return this.#ended(id, allowance);
        // Gone: expireReservations charged it in full, this call included; hand out no more.
        if (result === undefined) {
          allowance.free = 0n;
          this.#retire(allowance);
        } else {
          // What the call did not spend is the allowance's again (what it overspent is not).
          allowance.free += call.amountPico - actualPico;
        }
        this.#ended(id, allowance);
      },
      rolledBack: () => {
        call.settling = false;
      },
    };
  }

  /**
   * Releases call `id`: an admitted-from-allowance call in memory only (`true`); a database
   * reservation is forgotten here (`false`) for the caller to release; unknown ids give false.
   * @throws ReservationNotFoundError for a call whose settlement is being written.
   */
  release(id: string): boolean {
    const call = this.#calls.get(id);
    if (call === undefined) return false;
    if (call.settling) throw new ReservationNotFoundError(id);
    if (call.pooled) call.allowance.free += call.amountPico;
    this.#ended(id, call.allowance);
    return call.pooled;
  }

  /** What this connection's allowances hold unused on a budget's period (for status). */
  unusedOn(budgetId: string, periodKey: string): bigint {
    let unused = 0n;
    for (const allowance of [...this.#byKey.values(), ...this.#retired]) {
      if (allowance.free <= 0n) continue;
      if (allowance.items.some((i) => i.budgetId === budgetId && i.periodKey === periodKey))
        unused += allowance.free;
    }
    return unused;
  }

  /** Stops admitting from every allowance and gives back what they hold unused. */
  retireAll(): void {
    for (const allowance of [...this.#byKey.values()]) this.#retire(allowance);
    for (const allowance of this.#retired) this.#giveBackSoon(allowance);
  }

  /** Whether calls are still admitted from it (it has not been retired). */
  #live(allowance: Allowance): boolean {
    return this.#byKey.get(allowance.key) === allowance;
  }

  #retire(allowance: Allowance): void {
    if (this.#live(allowance)) this.#byKey.delete(allowance.key);
    this.#retired.add(allowance);
  }

  /**
   * Retires every allowance and gives back what they hold unused now, in one transaction: the
   * connection is closing, or a budget refused a call that this unused money would let in.
   * @returns whether anything was given back.
   */
  giveBackAll(): boolean {
    for (const allowance of [...this.#byKey.values()]) this.#retire(allowance);
    const all = [...this.#retired];
    const unused = all.some((a) => a.free > 0n);
    if (all.length > 0 && this.#db.open) {
      PlatformDb.of(this.#db).write(() => {
        for (const allowance of all) this.#giveBack(allowance);
      });
    }
    for (const allowance of all) this.#forgetIfDone(allowance);
    return unused && this.#db.open;
  }

  /** {@link giveBackAll} when the connection closes; a failure (a lock past busy_timeout) warns. */
  giveBackOnClose(): void {
    try {
      this.giveBackAll();
    } catch (error) {
      warnAllowanceFailed(error, "give back the allowances of a closing connection");
    }
  }

  #retried(id: string, open: Call, key: string, amountPico: bigint): boolean {
    if (open.amountPico === amountPico && open.allowance.key === key) return true;
    throw new ReservationConflictError(
      id,
      `${open.amountPico} pico-USD on [${open.allowance.items.map((i) => i.budgetId)}]`,
    );
  }

  #started(allowance: Allowance, amountPico: bigint, now: Date): void {
    allowance.inFlight += 1;
    if (allowance.inFlight > allowance.peak) allowance.peak = allowance.inFlight;
    if (amountPico > allowance.largest) allowance.largest = amountPico;
    allowance.lastUsedMs = performance.now();
    allowance.lastNow = now;
  }

  #ended(id: string, allowance: Allowance): void {
    this.#calls.delete(id);
    allowance.inFlight -= 1;
    if (!this.#live(allowance)) this.#giveBackSoon(allowance);
    else if (allowance.free < target(allowance) && performance.now() >= allowance.refusedUntilMs)
      this.#topUpSoon(allowance);
  }

  /**
   * Tops the allowance up to twice the target in a transaction of its own, after the current
   * one (the caller's settlement may still roll back). The new amount is handed out only once
   * it is committed. A budget too close to its limit refuses; the allowance then gives back
   * what it holds, and its calls reserve in the database one by one.
   */
  #topUpSoon(allowance: Allowance): void {
    if (allowance.toppingUp) return;
    allowance.toppingUp = true;
    this.#afterTransaction(() => {
      allowance.toppingUp = false;
      if (!this.#live(allowance)) return;
      const ask = 2n * target(allowance) - allowance.free;
      allowance.peak = allowance.inFlight;
      if (ask <= 0n) return;
      const held = PlatformDb.of(this.#db).write(() => {
        // A budget changed since the list was read: its items may no longer be its budgets.
        if (this.#list.changedSinceRead()) return undefined;
        if (topUpIn(this.#tx, allowance, ask, allowance.lastNow)) return true;
        this.#giveBack(allowance);
        return false;
      });
      if (held === undefined) this.budgetsChanged();
      else if (held) allowance.free += ask;
      else allowance.refusedUntilMs = performance.now() + this.idleMs;
    });
  }

  #giveBackSoon(allowance: Allowance): void {
    this.#afterTransaction(() => {
      PlatformDb.of(this.#db).write(() => this.#giveBack(allowance));
      this.#forgetIfDone(allowance);
    });
  }

  /**
   * Inside a write transaction. Unused money leaves local accounting before the database; an
   * allowance with no call in flight and nothing left is closed.
   */
  #giveBack(allowance: Allowance): void {
    const unused = allowance.free > 0n ? allowance.free : 0n;
    allowance.free -= unused;
    const close = allowance.inFlight === 0;
    if (unused > 0n || close) giveIn(this.#tx, allowance.id, unused, allowance.lastNow, close);
  }

  /** A retired allowance with no call in flight and nothing held is done with. */
  #forgetIfDone(allowance: Allowance): void {
    if (allowance.inFlight === 0 && allowance.free <= 0n) this.#retired.delete(allowance);
  }

  /** Runs `work` on a later turn, outside any transaction of this connection. */
  #afterTransaction(work: () => void): void {
    setImmediate(() => {
      if (!this.#db.open) return;
      if (this.#db.inTransaction) {
        this.#afterTransaction(work);
        return;
      }
      try {
        work();
      } catch (error) {
        // A failed top-up or give-back leaves the database holding more than is handed out.
        warnAllowanceFailed(error, "update a budget allowance");
      }
    });
  }

  #watchIdle(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.#sweepIdle(), this.idleMs);
    this.#timer.unref();
  }

  #sweepIdle(): void {
    if (!this.#db.open) {
      clearInterval(this.#timer);
      return;
    }
    const idleSince = performance.now() - this.idleMs;
    for (const allowance of [...this.#byKey.values()]) {
      if (allowance.lastUsedMs > idleSince) continue;
      this.#retire(allowance);
      this.#giveBackSoon(allowance);
    }
    if (this.#byKey.size === 0 && this.#retired.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}

/** Enough for the calls in flight at the busiest moment since the last top-up, and one more. */
function target(allowance: Allowance): bigint {
  return allowance.largest * BigInt(allowance.peak + 1);
}

function newAllowance(key: string, items: Items, now: Date): Allowance {
  return {
    id: `allowance:${crypto.randomUUID()}`,
    key,
    items,
    free: 0n,
    inFlight: 0,
    peak: 0,
    largest: 0n,
    lastUsedMs: performance.now(),
    lastNow: now,
    toppingUp: false,
    refusedUntilMs: 0,
  };
}

/** A failed allowance write: the database holds more than is handed out, never less. */
function warnAllowanceFailed(error: unknown, what: string): void {
  process.emitWarning(
    `Conclave could not ${what}: ${(error as Error)?.message ?? String(error)}. The unused amount stays reserved until expireReservations charges it.`,
    { code: "CONCLAVE_ALLOWANCE_FAILED" },
  );
}
