/**
 * The cross-thread Store contract (long-term memory), shaped after LangGraph's `BaseStore`:
 * namespaced JSON items with `get`, `put`, `delete`, `search`, `listNamespaces` and `batch`.
 * Nodes reach a store through `config.store` (from `compile({ store })` or the invoke config).
 */

/** A namespace: a non-empty path of labels, e.g. `["users", "u1", "memories"]`. */
export type Namespace = string[];

/** A stored JSON object. */
export type StoreValue = Record<string, unknown>;

/** A stored item, as `get` returns it. */
export interface Item {
  namespace: Namespace;
  key: string;
  value: StoreValue;
  createdAt: Date;
  updatedAt: Date;
}

/** A search hit: an item and, when the search had a query, its relevance in [0, 1] or so. */
export interface SearchItem extends Item {
  /** Set when `query` was given: see `rankCandidates` for the formula. */
  score?: number;
}

/** A comparison on one field; a plain value means `$eq`. */
export interface FilterOperators {
  $eq?: unknown;
  $ne?: unknown;
  $gt?: number | string;
  $gte?: number | string;
  $lt?: number | string;
  $lte?: number | string;
}

/** Field path (dots for nesting, e.g. `"meta.kind"`) to a value or operators. */
export type StoreFilter = Record<string, unknown>;

/** Options of `put`. LangGraph's fourth argument (`false | string[]`) is also accepted. */
export interface PutOptions {
  /** The item disappears this many ms after the put. Omit (or null) to keep it. */
  ttlMs?: number | null;
  /**
   * Which fields are indexed for `query`: `false` for none (still found by filter), field
   * paths, or (omitted) the store's default fields.
   */
  index?: false | string[];
}

/** Options of `search`. */
export interface SearchOptions {
  filter?: StoreFilter;
  /** Natural-language query: full-text, plus vectors when embeddings are configured. */
  query?: string;
  /** At most this many results. Default 10. */
  limit?: number;
  offset?: number;
}

/** Options of `listNamespaces`. A `"*"` label in prefix or suffix matches any label. */
export interface ListNamespacesOptions {
  prefix?: Namespace;
  suffix?: Namespace;
  /** Namespaces deeper than this are truncated to this depth (and deduplicated). */
  maxDepth?: number;
  /** Default 100. */
  limit?: number;
  offset?: number;
}

/** An embedding model for hybrid search. */
export interface StoreEmbeddings {
  /** Length of every vector `embed` returns. */
  dims: number;
  /** Embeds texts, one vector per text, in order. */
  embed(texts: string[]): Promise<number[][]> | number[][];
  /** Default field paths to index (`"$"` is the whole value). Default `["$"]`. */
  fields?: string[];
}

/** Options every store implementation accepts. */
export interface StoreOptions {
  /** Enables hybrid (text + vector) search for `query`. */
  embeddings?: StoreEmbeddings;
  /** Default indexed fields without embeddings. Default `["$"]` (every string in the value). */
  fields?: string[];
  /** Milliseconds since the epoch; inject one in tests. Default `Date.now`. */
  clock?: () => number;
}

/** A `batch` read of one item. */
export interface GetOperation {
  namespace: Namespace;
  key: string;
}

/** A `batch` write; `value: null` deletes. */
export interface PutOperation {
  namespace: Namespace;
  key: string;
  value: StoreValue | null;
  index?: false | string[];
  ttlMs?: number | null;
}

/** A `batch` search. */
export interface SearchOperation extends SearchOptions {
  namespacePrefix: Namespace;
}

/** A `batch` namespace listing, in LangGraph's shape. */
export interface ListNamespacesOperation {
  matchConditions?: { matchType: "prefix" | "suffix"; path: Namespace }[];
  maxDepth?: number;
  limit?: number;
  offset?: number;
}

/** Any `batch` operation. */
export type Operation = GetOperation | PutOperation | SearchOperation | ListNamespacesOperation;

/** What `batch` returns for each operation, by position. */
export type OperationResult = Item | null | undefined | SearchItem[] | Namespace[];

/**
 * Long-term memory shared across threads. Implementations: `InMemoryStore` (core),
 * `SqliteStore` (@conclave/sqlite), `PostgresStore` (@conclave/postgres).
 */
export interface Store {
  /** The item, or null when absent or expired. */
  get(namespace: Namespace, key: string): Promise<Item | null>;
  /** Creates or replaces an item (keeping its `createdAt`). */
  put(
    namespace: Namespace,
    key: string,
    value: StoreValue,
    options?: PutOptions | false | string[],
  ): Promise<void>;
  /** Removes an item; a missing one is not an error. */
  delete(namespace: Namespace, key: string): Promise<void>;
  /** Items under a namespace prefix, filtered and (with a query) ranked. */
  search(namespacePrefix: Namespace, options?: SearchOptions): Promise<SearchItem[]>;
  /** Distinct namespaces holding live items, sorted. */
  listNamespaces(options?: ListNamespacesOptions): Promise<Namespace[]>;
  /** Runs operations in order; results by position. */
  batch(operations: Operation[]): Promise<OperationResult[]>;
  /** Deletes expired items now; returns how many. (Expired items are invisible before that.) */
  sweepExpired(): Promise<number>;
}
