/**
 * The budget definitions of one connection, cached for the budget allowances
 * (budget-allowances.ts): a call admitted from an allowance must still see every budget that
 * applies to it, without a read per call.
 *
 * Decision: `PRAGMA data_version` (about 13 µs after an idle millisecond, against about 36 for
 * the smallest SELECT) changes only when another connection committed; then migration 10's
 * epoch, which triggers bump on every change to `conclave_budgets`, says whether a budget
 * changed. A store on this connection reports its own changes (`invalidate`); raw SQL on this
 * connection is not seen until another connection commits.
 */
import { type BudgetDefinition, type BudgetRow, budgetFromRow } from "@conclave/core";
import type { Database, Statement } from "better-sqlite3";

export class BudgetList {
  readonly #dataVersion: Statement;
  readonly #epoch: Statement;
  #budgets: BudgetDefinition[] | undefined;
  #budgetEpoch = -1;
  #version = -1;

  constructor(db: Database) {
    this.#dataVersion = db.prepare("PRAGMA data_version").pluck();
    this.#epoch = db.prepare("SELECT epoch FROM conclave_budget_epoch WHERE id = 1").pluck();
  }

  /**
   * Every budget, read again (with `readRows`) only when it may have changed. `changed` says
   * that a list read before no longer holds.
   */
  read(readRows: () => BudgetRow[]): { budgets: BudgetDefinition[]; changed: boolean } {
    const version = this.#dataVersion.get() as number;
    if (this.#budgets !== undefined && version === this.#version)
      return { budgets: this.#budgets, changed: false };
    this.#version = version;
    const epoch = this.#epoch.get() as number;
    if (this.#budgets !== undefined && epoch === this.#budgetEpoch)
      return { budgets: this.#budgets, changed: false };
    const changed = this.#budgets !== undefined;
    this.#budgets = readRows().map(budgetFromRow);
    this.#budgetEpoch = epoch;
    return { budgets: this.#budgets, changed };
  }

  /** Whether a budget changed since the list was read (checked inside a write transaction). */
  changedSinceRead(): boolean {
    return this.#epoch.get() !== this.#budgetEpoch;
  }

  /** A budget changed: the next read reads again. */
  invalidate(): void {
    this.#budgets = undefined;
  }
}
