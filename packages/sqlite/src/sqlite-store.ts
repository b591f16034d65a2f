/**
 * The SQLite Store (long-term memory shared across threads). Full-text search uses FTS5 with
 * its `bm25()` ranking; with embeddings configured, vectors are stored as float32 BLOBs and
 * cosine similarity is computed in JS over the indexed candidates (no vector index: fine for
 * the thousands of memories an agent keeps, linear beyond). Filtering, hybrid scoring and
 * ordering are core's `rankCandidates`, shared with the memory and PostgreSQL stores.
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
import type { Database, Statement } from "better-sqlite3";
import { openMeteringDatabase, type SqliteMeteringOptions } from "./budget-store.ts";
import { migrate } from "./migrate.ts";
import { STORE_SQL } from "./sql/store-statements.ts";

/** Options of {@link SqliteStore}: the store options plus the connection's busy timeout. */
export type SqliteStoreOptions = StoreOptions & SqliteMeteringOptions;

interface ItemRow {
  id: number;
  namespace: string;
  key: string;
  value: string;
  createdAt: number;
  updatedAt: number;
  textScore?: number;
  embedding?: Buffer | null;
}

/**
 * A {@link Store} in a SQLite file (or ":memory:"), safe to share between processes.
 * @example
 * const store = SqliteStore.fromConnString("./conclave.db");
 * const graph = builder.compile({ checkpointer, store }); // nodes read config.store
 * await store.search(["users", "u1"], { query: "favourite food" });
 */
export class SqliteStore implements Store {
  /** The connection, for callers that share it. */
  readonly db: Database;
  readonly #options: StoreOptions;
  readonly #owned: boolean;
  readonly #statements = new Map<string, Statement>();

  /** Opens (or creates) a file in WAL mode. The store owns and closes it. */
  static fromConnString(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    return new SqliteStore(openMeteringDatabase(path, options), options, true);
  }

  /**
   * Uses an open connection (e.g. `saver.db`) and runs the migrations now.
   * @param owned - Whether {@link close} closes the connection (default false).
   */
  constructor(db: Database, options: StoreOptions = {}, owned = false) {
    this.db = db;
    this.#options = options;
    this.#owned = owned;
    migrate(db);
  }

  /** @inheritdoc */
  async get(namespace: Namespace, key: string): Promise<Item | null> {
    const row = this.#stmt("get").get({
      namespace: joinNamespace(checkNamespace(namespace)),
      key: checkKey(key),
      now: this.#now(),
    }) as ItemRow | undefined;
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
    this.#stmt("upsert").run({
      namespace: put.namespace,
      key: put.key,
      value: put.json,
      text: put.text,
      embedding: put.embedding ? Buffer.from(new Float32Array(put.embedding).buffer) : null,
      now: put.now,
      expiresAt: put.expiresAt,
    });
  }

  /** @inheritdoc */
  async delete(namespace: Namespace, key: string): Promise<void> {
    this.#stmt("delete").run({
      namespace: joinNamespace(checkNamespace(namespace)),
      key: checkKey(key),
    });
  }

  /** @inheritdoc */
  async search(namespacePrefix: Namespace, options: SearchOptions = {}): Promise<SearchItem[]> {
    const plan = await planSearch(this.#options, namespacePrefix, options);
    const where = { prefix: plan.prefix, under: plan.under, now: plan.now };
    if (!plan.hasQuery && !plan.filter) {
      const rows = this.#stmt("page").all({ ...where, limit: plan.limit, offset: plan.offset });
      return (rows as ItemRow[]).map(toItem);
    }
    return rankCandidates(this.#candidates(plan, where), plan);
  }

  #candidates(plan: SearchPlan, where: Record<string, unknown>): Candidate[] {
    if (!plan.hasQuery) {
      return (this.#stmt("under").all(where) as ItemRow[]).map((row) => ({ item: toItem(row) }));
    }
    const text =
      plan.terms.length === 0
        ? []
        : (this.#stmt("text").all({ ...where, match: ftsMatch(plan.terms) }) as ItemRow[]);
    if (!plan.queryVector) {
      return text.map((row) => ({ item: toItem(row), textScore: row.textScore }));
    }
    const scores = new Map(text.map((row) => [row.id, row.textScore]));
    return (this.#stmt("indexedUnder").all(where) as ItemRow[]).map((row) => ({
      item: toItem(row),
      textScore: scores.get(row.id) ?? null,
      embedding: row.embedding ? Array.from(toFloats(row.embedding)) : null,
    }));
  }

  /** @inheritdoc */
  async listNamespaces(options: ListNamespacesOptions = {}): Promise<Namespace[]> {
    const rows = this.#stmt("namespaces").all({ now: this.#now() }) as { namespace: string }[];
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
    return this.#stmt("sweep").run({ now: this.#now() }).changes;
  }

  /** Closes the connection when this store opened it. */
  close(): void {
    if (this.#owned && this.db.open) this.db.close();
  }

  #now(): number {
    return (this.#options.clock ?? Date.now)();
  }

  #stmt(name: keyof typeof STORE_SQL): Statement {
    let statement = this.#statements.get(name);
    if (statement === undefined) {
      statement = this.db.prepare(STORE_SQL[name]);
      this.#statements.set(name, statement);
    }
    return statement;
  }
}

/** An FTS5 query matching any of the terms; terms are letters and digits only, so quoting is safe. */
function ftsMatch(terms: readonly string[]): string {
  return terms.map((term) => `"${term}"`).join(" OR ");
}

function toFloats(blob: Buffer): Float32Array {
  const copy = new Uint8Array(blob);
  return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
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
