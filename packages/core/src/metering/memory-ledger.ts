/**
 * The in-memory Ledger, for tests and single-process use. Day keys are computed per record in
 * JS (the SQL ledgers instead join against day ranges computed the same way).
 */
import {
  checkFilter,
  checkLimit,
  checkQuery,
  checkUsageRecord,
  emptyTokens,
  matches,
  sortRows,
} from "./ledger-rules.ts";
import { dayKey } from "./time-zone.ts";
import type {
  Ledger,
  LedgerDimension,
  LedgerQuery,
  LedgerRow,
  UsageRecord,
  UsageTokens,
} from "./types.ts";

interface Stored {
  record: UsageRecord;
  tsMs: number;
  seq: number;
}

/**
 * A {@link Ledger} in process memory; records are kept in full until the process exits.
 * @example
 * const ledger = new MemoryLedger();
 * await ledger.record(usage);
 * const byModel = await ledger.query({ groupBy: ["model"] });
 */
export class MemoryLedger implements Ledger {
  /** `record` stores before it first awaits anything. */
  readonly readsOwnWrites = true;
  readonly #byId = new Map<string, Stored>();

  /** Stores a record; a second record with the same id is ignored (the first wins). */
  async record(record: UsageRecord): Promise<void> {
    const tsMs = checkUsageRecord(record);
    if (this.#byId.has(record.id)) return;
    const copy = { ...record, tokens: { ...record.tokens } };
    this.#byId.set(record.id, { record: copy, tsMs, seq: this.#byId.size });
  }

  /** Sums calls, tokens and cost per group, ordered by the group key. */
  async query(query: LedgerQuery): Promise<LedgerRow[]> {
    const checked = checkQuery(query);
    const groups = new Map<string, LedgerRow>();
    for (const { record, tsMs } of this.#byId.values()) {
      if (!matches(checked, record, tsMs)) continue;
      const key: LedgerRow["key"] = {};
      for (const dimension of checked.groupBy) {
        const value = dimensionOf(record, tsMs, dimension, checked.timeZone);
        if (value !== undefined) key[dimension] = value;
      }
      const id = JSON.stringify(checked.groupBy.map((d) => key[d] ?? null));
      let row = groups.get(id);
      if (row === undefined) {
        row = { key, calls: 0, tokens: emptyTokens(), costPico: 0n };
        groups.set(id, row);
      }
      row.calls += 1;
      addTokens(row.tokens, record.tokens);
      row.costPico += record.costPico;
    }
    return sortRows([...groups.values()], checked.groupBy);
  }

  /** Records passing the filters, oldest first (ties in recording order). */
  async list(query: Omit<LedgerQuery, "groupBy"> & { limit?: number }): Promise<UsageRecord[]> {
    const filter = checkFilter(query);
    const limit = checkLimit(query.limit);
    const rows = [...this.#byId.values()]
      .filter((s) => matches(filter, s.record, s.tsMs))
      .sort((a, b) => a.tsMs - b.tsMs || a.seq - b.seq);
    return rows.slice(0, limit).map((s) => ({ ...s.record, tokens: { ...s.record.tokens } }));
  }
}

function dimensionOf(
  record: UsageRecord,
  tsMs: number,
  dimension: LedgerDimension,
  timeZone: string,
): string | undefined {
  if (dimension === "day") return dayKey(tsMs, timeZone);
  if (dimension === "thread") return record.threadId;
  return record[dimension];
}

function addTokens(sum: UsageTokens, tokens: UsageTokens): void {
  sum.inputNoCache += tokens.inputNoCache;
  sum.inputCacheRead += tokens.inputCacheRead;
  sum.inputCacheWrite += tokens.inputCacheWrite;
  sum.outputText += tokens.outputText;
  sum.outputReasoning += tokens.outputReasoning;
}
