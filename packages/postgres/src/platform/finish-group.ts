/**
 * Group commit for run ends. A worker ends its runs through one statement per group
 * (`finishGroup` in `sql/platform-end-statements.ts`) instead of one per run: the ends that
 * arrive while a group statement is in flight wait for it and then go together. An idle store
 * sends an end after the current turn of the event loop, so the runs of one claim, which tend
 * to end in the same turn, share a statement too.
 *
 * Why: on the queue bench a one-node run's end statement cost the server about as much to
 * start (executor setup of a dozen CTEs, locks, commit) as to run; shared by a group, that
 * cost is paid once. Each run's end keeps its own semantics: its fence, its conflicts, and
 * nothing written for an item whose run is not ended.
 *
 * A statement the server refused (a SQLSTATE outside the connection, shutdown and resource
 * classes, so it rolled back whole) is tried again item by item, so one run's bad data cannot
 * fail the runs it was grouped with.
 */
import type { RunRow } from "@conclave/core";

/** What the group statement answers for one item: its run (null columns if not ended). */
export type GroupRow = RunRow & { k: number; conflicts: number[] };

/** One run's end: the statement's ten end values, its audit events, its held batch. */
export interface GroupItem {
  end: readonly unknown[];
  events: readonly string[];
  /** The batch statement's 18 parameters (`WriteBatch.values()`), or none. */
  batch: readonly unknown[] | undefined;
}

interface Waiting extends GroupItem {
  resolve: (row: GroupRow) => void;
  reject: (error: unknown) => void;
}

const END_VALUES = 10;
const BATCH_VALUES = 18;
/** The rows and the writes of a batch: its first 11 parameters, then 7. */
const BATCH_ROW_VALUES = 11;
/** Most runs one statement ends; a larger backlog goes in several. */
const MAX_GROUP = 64;

/** Ends runs in groups through `send`, which runs the group statement. */
export class FinishGroup {
  readonly #send: (values: unknown[]) => Promise<GroupRow[]>;
  #waiting: Waiting[] = [];
  #busy = false;

  constructor(send: (values: unknown[]) => Promise<GroupRow[]>) {
    this.#send = send;
  }

  /** Ends one run with the next group; resolves with the statement's row for it. */
  end(item: GroupItem): Promise<GroupRow> {
    return new Promise<GroupRow>((resolve, reject) => {
      this.#waiting.push({ ...item, resolve, reject });
      if (this.#busy) return;
      this.#busy = true;
      setImmediate(() => void this.#drain());
    });
  }

  async #drain(): Promise<void> {
    while (this.#waiting.length > 0) {
      const group = this.#waiting.splice(0, MAX_GROUP);
      await this.#write(group);
    }
    this.#busy = false;
  }

  async #write(group: Waiting[]): Promise<void> {
    let rows: GroupRow[];
    try {
      rows = await this.#send(groupValues(group));
    } catch (error) {
      if (group.length > 1 && refusedWhole(error)) {
        for (const item of group) await this.#write([item]);
      } else {
        for (const item of group) item.reject(error);
      }
      return;
    }
    const answered = new Set<number>();
    for (const row of rows) {
      group[row.k - 1]?.resolve(row);
      answered.add(row.k);
    }
    group.forEach((item, index) => {
      if (!answered.has(index + 1))
        item.reject(new Error(`The finish statement returned no row for item ${index + 1}.`));
    });
  }
}

/** Whether PostgreSQL refused the statement itself (so it changed nothing), not the session. */
function refusedWhole(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) && !/^(08|53|57|58)/.test(code);
}

/** The group statement's 32 parameters: column arrays with each item's number (1-based). */
export function groupValues(group: readonly GroupItem[]): unknown[] {
  const ends: unknown[][] = Array.from({ length: END_VALUES }, () => []);
  const batch: unknown[][] = Array.from({ length: BATCH_VALUES }, () => []);
  const rowItems: number[] = [];
  const writeItems: number[] = [];
  const events: string[] = [];
  const eventItems: number[] = [];
  for (let index = 0; index < group.length; index++) {
    const item = group[index]!;
    const k = index + 1;
    for (let i = 0; i < END_VALUES; i++) ends[i]!.push(item.end[i]);
    for (const event of item.events) {
      events.push(event);
      eventItems.push(k);
    }
    if (item.batch === undefined) continue;
    for (let i = 0; i < BATCH_VALUES; i++) {
      const column = item.batch[i] as unknown[];
      for (const value of column) batch[i]!.push(value);
      if (i === 0) for (let n = 0; n < column.length; n++) rowItems.push(k);
      if (i === BATCH_ROW_VALUES) for (let n = 0; n < column.length; n++) writeItems.push(k);
    }
  }
  return [...ends, ...batch, rowItems, writeItems, events, eventItems];
}
