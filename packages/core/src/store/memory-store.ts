/**
 * `InMemoryStore`: the Store in a Map, for tests and single-process use. Values are kept as
 * JSON text, so callers can never mutate a stored item through a returned object.
 *
 * An item is live until its `expiresAt` (by the injected clock); expired items are invisible to
 * every read at once and removed by `sweepExpired()` (or replaced by a later put).
 * Full-text ranking is BM25 (see `bm25Scores`) over all live indexed items.
 */
import { listNamespacesIn, splitNamespace } from "./namespaces.ts";
import { type PreparedPut, planSearch, preparePut, runBatch } from "./operations.ts";
import { type Candidate, rankCandidates } from "./ranking.ts";
import { bm25Scores, type TextDocument, tokenize } from "./text.ts";
import type {
  Item,
  ListNamespacesOptions,
  Namespace,
  Operation,
  OperationResult,
  PutOptions,
  SearchItem,
  SearchOptions,
  Store,
  StoreOptions,
  StoreValue,
} from "./types.ts";
import { checkKey, checkNamespace } from "./validate.ts";

interface Row {
  namespace: string;
  key: string;
  json: string;
  createdAt: number;
  updatedAt: number;
  expiresAt: number | null;
  tokens: string[] | null;
  embedding: number[] | null;
}

/**
 * A {@link Store} held in memory.
 * @example
 * const store = new InMemoryStore();
 * await store.put(["users", "u1"], "prefs", { theme: "dark" });
 * const graph = builder.compile({ store }); // nodes read it as config.store
 */
export class InMemoryStore implements Store {
  readonly #options: StoreOptions;
  readonly #rows = new Map<string, Row>();

  constructor(options: StoreOptions = {}) {
    this.#options = options;
  }

  /** @inheritdoc */
  async get(namespace: Namespace, key: string): Promise<Item | null> {
    const id = rowId(checkNamespace(namespace).join("."), checkKey(key));
    const row = this.#rows.get(id);
    return row && this.#live(row) ? toItem(row) : null;
  }

  /** @inheritdoc */
  async put(
    namespace: Namespace,
    key: string,
    value: StoreValue,
    options?: PutOptions | false | string[],
  ): Promise<void> {
    const put: PreparedPut = await preparePut(this.#options, { namespace, key, value }, options);
    const id = rowId(put.namespace, put.key);
    const previous = this.#rows.get(id);
    const createdAt = previous && this.#live(previous) ? previous.createdAt : put.now;
    this.#rows.set(id, {
      namespace: put.namespace,
      key: put.key,
      json: put.json,
      createdAt,
      updatedAt: put.now,
      expiresAt: put.expiresAt,
      tokens: put.text === null ? null : tokenize(put.text),
      embedding: put.embedding,
    });
  }

  /** @inheritdoc */
  async delete(namespace: Namespace, key: string): Promise<void> {
    this.#rows.delete(rowId(checkNamespace(namespace).join("."), checkKey(key)));
  }

  /** @inheritdoc */
  async search(namespacePrefix: Namespace, options: SearchOptions = {}): Promise<SearchItem[]> {
    const plan = await planSearch(this.#options, namespacePrefix, options);
    const live = [...this.#rows.values()].filter((row) => this.#live(row, plan.now));
    const under = live.filter(
      (r) =>
        plan.prefix === "" || r.namespace === plan.prefix || r.namespace.startsWith(plan.under),
    );
    let candidates: Candidate[];
    if (!plan.hasQuery) {
      candidates = under.map((row) => ({ item: toItem(row) }));
    } else {
      const corpus: TextDocument[] = live
        .filter((r) => r.tokens !== null)
        .map((r) => ({ id: rowId(r.namespace, r.key), tokens: r.tokens! }));
      const scores = bm25Scores(plan.terms, corpus);
      candidates = under
        .filter((r) => r.tokens !== null)
        .map((row) => ({
          item: toItem(row),
          textScore: scores.get(rowId(row.namespace, row.key)) ?? null,
          embedding: row.embedding,
        }));
    }
    return rankCandidates(candidates, plan);
  }

  /** @inheritdoc */
  async listNamespaces(options: ListNamespacesOptions = {}): Promise<Namespace[]> {
    const now = this.#now();
    const live = [...this.#rows.values()].filter((row) => this.#live(row, now));
    return listNamespacesIn(
      live.map((row) => splitNamespace(row.namespace)),
      options,
    );
  }

  /** @inheritdoc */
  batch(operations: Operation[]): Promise<OperationResult[]> {
    return runBatch(this, operations);
  }

  /** @inheritdoc */
  async sweepExpired(): Promise<number> {
    const now = this.#now();
    let removed = 0;
    for (const [id, row] of this.#rows) {
      if (!this.#live(row, now)) {
        this.#rows.delete(id);
        removed++;
      }
    }
    return removed;
  }

  #now(): number {
    return (this.#options.clock ?? Date.now)();
  }

  #live(row: Row, now = this.#now()): boolean {
    return row.expiresAt === null || row.expiresAt > now;
  }
}

function rowId(namespace: string, key: string): string {
  return `${namespace}\u0000${key}`;
}

function toItem(row: Row): Item {
  return {
    namespace: splitNamespace(row.namespace),
    key: row.key,
    value: JSON.parse(row.json) as StoreValue,
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
  };
}
