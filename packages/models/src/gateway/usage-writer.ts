/**
 * Where a finished call's settlement and usage record go: written in the background, after the
 * call returned its result (see the decision in `createGateway`). Each gateway has one writer;
 * `flushAllGateways` waits for every writer of the process.
 */
import type { BudgetStore, Ledger, SettleResult, UsageRecord } from "@conclave/core";
import type { GatewayEvent } from "./gateway-types.ts";

/** Every gateway's writes in progress, for {@link flushAllGateways}. */
const writingEverywhere = new Set<Promise<void>>();

/**
 * Waits until every gateway in this process has stored its finished calls' usage records and
 * settlements. A process that shuts down (`conclave serve` on SIGTERM) calls it after its runs
 * drained and before it closes the database, since graphs make their own gateways.
 */
export async function flushAllGateways(): Promise<void> {
  while (writingEverywhere.size > 0) await Promise.all(writingEverywhere);
}

export interface UsageWriterOptions {
  ledger?: Ledger;
  budgets?: BudgetStore;
  now: () => Date;
  emit: (event: GatewayEvent) => void;
  /** Whether anyone listens to `emit` (else a failed write is a process warning). */
  heard: boolean;
}

/** Settles reservations and records usage in the background; `flush()` waits for it. */
export class UsageWriter {
  readonly #options: UsageWriterOptions;
  readonly #writing = new Set<Promise<void>>();
  /**
   * Whether a caller may go on before the write lands: the ledger's reads see it at once
   * (`Ledger.readsOwnWrites`). Else (PostgreSQL, where another pool connection may read first)
   * the caller waits for it.
   */
  readonly #behind: boolean;

  constructor(options: UsageWriterOptions) {
    this.#options = options;
    const { ledger, budgets } = options;
    this.#behind = ledger === undefined ? budgets === undefined : ledger.readsOwnWrites === true;
  }

  /**
   * Stores the call's record (and settles its reservation) in the background. Returns the
   * write to wait for when the caller must not go on before it (see `#behind`); it never
   * rejects: a failure is reported instead.
   */
  write(record: UsageRecord, reservationId: string | undefined): Promise<void> | undefined {
    const forget = () => {
      this.#writing.delete(done);
      writingEverywhere.delete(done);
    };
    const done = this.#write(record, reservationId).then(
      (crossed) => {
        forget();
        for (const c of crossed) this.#options.emit({ type: "budget:alert", ...c });
      },
      (error: unknown) => {
        forget();
        this.#reportFailure(record, error);
      },
    );
    this.#writing.add(done);
    writingEverywhere.add(done);
    return this.#behind ? undefined : done;
  }

  async flush(): Promise<void> {
    while (this.#writing.size > 0) await Promise.all(this.#writing);
  }

  // One transaction when the ledger can join the budget store's (SQLite on one connection),
  // else settle then record.
  async #write(
    record: UsageRecord,
    reservationId: string | undefined,
  ): Promise<SettleResult["crossed"]> {
    const { budgets, ledger, now } = this.#options;
    if (reservationId === undefined || budgets === undefined) {
      await ledger?.record(record);
      return [];
    }
    const at = now();
    const joint = await ledger?.recordSettled?.(record, { budgets, reservationId, now: at });
    if (joint !== undefined) return joint.crossed;
    const settled = await budgets.settle(reservationId, record.costPico, at);
    await ledger?.record(record);
    return settled.crossed;
  }

  #reportFailure(record: UsageRecord, error: unknown): void {
    if (this.#options.heard) {
      this.#options.emit({ type: "model:metering-failed", record, error });
      return;
    }
    // Nobody listens: a lost usage record must still reach the operator.
    process.emitWarning(
      `Conclave could not store the usage record of a call to "${record.alias}" (${record.id}): ${(error as Error)?.message ?? String(error)}. Its budget reservation stays held. Pass onEvent to createGateway to handle model:metering-failed.`,
      { code: "CONCLAVE_METERING_FAILED" },
    );
  }
}
