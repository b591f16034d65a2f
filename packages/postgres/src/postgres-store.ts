/**
 * The PostgreSQL Store (long-term memory shared across threads). Full-text search uses a
 * generated `tsvector` (GIN-indexed) with `websearch_to_tsquery` and `ts_rank`. With
 * embeddings configured, hybrid search computes cosine similarity in SQL with pgvector when
 * `CREATE EXTENSION vector` succeeds at setup, and otherwise in JS over the candidates;
 * `vectorBackend` tells which path runs. Filtering, hybrid scoring and ordering are core's
 * `rankCandidates`, shared with the memory and SQLite stores.
 *
 * States: new -> `setup()` (migrations, pgvector probe) -> ready; `end()` closes an owned pool.
 */
import {
  type Candidate,
  checkKey,
  checkNamespace,
  type Item,
  joinNamespace,
  type ListNamespacesOptions,
  listNamespacesIn,
  type Namespace,
  type Operation,
  type OperationResult,
  type PutOptions,
  planSearch,
  preparePut,
  rankCandidates,
  runBatch,
  type SearchItem,
  type SearchOptions,
  type SearchPlan,
  type Store,
  type StoreOptions,
  type StoreValue,
  splitNamespace,
} from "@conclave/core";
import type pg from "pg";
import { migrate, quoteSchema } from "./migrate.ts";
import { newPool } from "./pool.ts";
import { type StoreStatements, storeStatements } from "./sql/store-statements.ts";

/** Options of {@link PostgresStore}. */
export interface PostgresStoreOptions extends StoreOptions {
  /** The schema holding the table; created by `setup()`. Default "public". */
  schema?: string;
  /** Pool settings when the store creates the pool (`fromConnString`). */
  pool?: Omit<pg.PoolConfig, "connectionString">;
  /** "auto" (default) uses pgvector when it can be enabled; "js" always computes cosine in JS. */
  vectors?: "auto" | "js";
}

/** Where hybrid search computes cosine similarity. */
export type VectorBackend = "pgvector" | "js";

interface ItemRow {
  namespace: string;
  key: string;
  value: string;
  createdAt: number;
  updatedAt: number;
  textScore?: number;
  similarity?: number | null;
  embedding?: number[] | null;
}

/**
 * A {@link Store} in PostgreSQL. Call `setup()` once (it also runs on first use); end an owned
 * pool with `end()`.
 * @example
 * const store = PostgresStore.fromConnString(process.env.DATABASE_URL!, { embeddings });
 * await store.setup();
 * const graph = builder.compile({ checkpointer, store }); // nodes read config.store
 */
export class PostgresStore implements Store {
  /** The pool, for callers that share it. */
  readonly pool: pg.Pool;
  readonly schema: string;
  readonly #options: PostgresStoreOptions;
  readonly #sql: StoreStatements;
  readonly #owned: boolean;
  #setup: Promise<void> | undefined;
  #vectorBackend: VectorBackend = "js";

  /** Creates a pool for `url` (postgres://...). The store owns it: `end()` closes it. */
  static fromConnString(url: string, options: PostgresStoreOptions = {}): PostgresStore {
    return new PostgresStore(newPool(url, options.pool), options, true);
  }

  /** Uses an existing pool; `owned` says whether `end()` ends it (default false). */
  constructor(pool: pg.Pool, options: PostgresStoreOptions = {}, owned = false) {
    this.pool = pool;
    this.schema = options.schema ?? "public";
    this.#sql = storeStatements(quoteSchema(this.schema));
    this.#options = options;
    this.#owned = owned;
  }

  /** Where cosine similarity is computed: "pgvector" or "js". Known after `setup()`. */
  get vectorBackend(): VectorBackend {
    return this.#vectorBackend;
  }

  /** Runs the migrations and probes pgvector (once per store; later calls share the promise). */
  setup(): Promise<void> {
    this.#setup ??= this.#runSetup().catch((error: unknown) => {
      this.#setup = undefined;
      throw error;
    });
    return this.#setup;
  }

  async #runSetup(): Promise<void> {
    await migrate(this.pool, this.schema);
    if (!this.#options.embeddings || this.#options.vectors === "js") return;
    const { rowCount } = await this.pool.query(this.#sql.vectorAvailable);
    if (!rowCount) return;
    // Needs CREATE privilege on the database; without it, or without the binaries, use JS.
    const created = await this.pool.query(this.#sql.createVector).then(
      () => true,
      () => false,
    );
    this.#vectorBackend = created ? "pgvector" : "js";
  }

  async #query<R>(sql: string, params: unknown[]): Promise<R[]> {
    await this.setup();
    return (await this.pool.query(sql, params)).rows as R[];
  }

  /** @inheritdoc */
  async get(namespace: Namespace, key: string): Promise<Item | null> {
    const params = [joinNamespace(checkNamespace(namespace)), checkKey(key), this.#now()];
    const [row] = await this.#query<ItemRow>(this.#sql.get, params);
    return row ? toItem(row) : null;
  }

  /** @inheritdoc */
  async put(
    namespace: Namespace,
    key: string,
    value: StoreValue,
    options?: PutOptions | false | string[],
  ): Promise<void> {
    const put = await preparePut(this.#options, { namespace, key, value }, options);
    await this.#query(this.#sql.upsert, [
      put.namespace,
      put.key,
      put.json,
      put.text,
      put.embedding,
      put.now,
      put.expiresAt,
    ]);
  }

  /** @inheritdoc */
  async delete(namespace: Namespace, key: string): Promise<void> {
    const params = [joinNamespace(checkNamespace(namespace)), checkKey(key)];
    await this.#query(this.#sql.delete, params);
  }

  /** @inheritdoc */
  async search(namespacePrefix: Namespace, options: SearchOptions = {}): Promise<SearchItem[]> {
    const plan = await planSearch(this.#options, namespacePrefix, options);
    const where = [plan.prefix, plan.under, plan.now];
    if (!plan.hasQuery && !plan.filter) {
      const rows = await this.#query<ItemRow>(this.#sql.page, [...where, plan.limit, plan.offset]);
      return rows.map(toItem);
    }
    return rankCandidates(await this.#candidates(plan, where), plan);
  }

  async #candidates(plan: SearchPlan, where: unknown[]): Promise<Candidate[]> {
    if (!plan.hasQuery) {
      return (await this.#query<ItemRow>(this.#sql.under, where)).map((row) => ({
        item: toItem(row),
      }));
    }
    const words = plan.terms.filter((term) => term !== "or");
    const text =
      words.length === 0
        ? []
        : await this.#query<ItemRow>(this.#sql.text, [...where, words.join(" or ")]);
    if (!plan.queryVector)
      return text.map((row) => ({ item: toItem(row), textScore: row.textScore }));
    const scores = new Map(text.map((row) => [`${row.namespace}\u0000${row.key}`, row.textScore]));
    const rows =
      this.#vectorBackend === "pgvector"
        ? await this.#query<ItemRow>(this.#sql.indexedSimilar, [
            ...where,
            `[${plan.queryVector.join(",")}]`,
          ])
        : await this.#query<ItemRow>(this.#sql.indexedUnder, where);
    return rows.map((row) => ({
      item: toItem(row),
      textScore: scores.get(`${row.namespace}\u0000${row.key}`) ?? null,
      similarity: Number.isFinite(row.similarity) ? row.similarity : null,
      embedding: row.embedding ?? null,
    }));
  }

  /** @inheritdoc */
  async listNamespaces(options: ListNamespacesOptions = {}): Promise<Namespace[]> {
    const rows = await this.#query<{ namespace: string }>(this.#sql.namespaces, [this.#now()]);
    return listNamespacesIn(
      rows.map((row) => splitNamespace(row.namespace)),
      options,
    );
  }

  /** @inheritdoc */
  batch(operations: Operation[]): Promise<OperationResult[]> {
    return runBatch(this, operations);
  }

  /** @inheritdoc */
  async sweepExpired(): Promise<number> {
    await this.setup();
    return (await this.pool.query(this.#sql.sweep, [this.#now()])).rowCount ?? 0;
  }

  /** Ends the pool when this store created it. */
  async end(): Promise<void> {
    if (this.#owned) await this.pool.end();
  }

  #now(): number {
    return (this.#options.clock ?? Date.now)();
  }
}

function toItem(row: ItemRow): Item {
  return {
    namespace: splitNamespace(row.namespace),
    key: row.key,
    value: JSON.parse(row.value) as StoreValue,
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
  };
}
