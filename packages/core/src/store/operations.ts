/**
 * The backend-independent half of each Store operation: input checks, the indexed text and
 * vector of a put, the plan of a search, and `batch` dispatch. Every implementation calls these,
 * so validation, indexing and paging behave the same on memory, SQLite and PostgreSQL.
 */
import { checkStoreFilter } from "./filter.ts";
import { joinNamespace, listOptionsOf, prefixParams } from "./namespaces.ts";
import { embedTexts } from "./ranking.ts";
import { DEFAULT_FIELDS, indexText, queryTerms } from "./text.ts";
import type {
  Namespace,
  Operation,
  OperationResult,
  PutOptions,
  SearchOptions,
  Store,
  StoreFilter,
  StoreOptions,
  StoreValue,
} from "./types.ts";
import { checkKey, checkNamespace, checkPaging, checkPutOptions, checkValue } from "./validate.ts";

/** A checked put, ready to write. */
export interface PreparedPut {
  namespace: string;
  key: string;
  /** The value as JSON text. */
  json: string;
  /** Text for the full-text index, or null when not indexed. */
  text: string | null;
  /** The item's vector when embeddings are configured and it has text. */
  embedding: number[] | null;
  now: number;
  /** Expiry instant (ms), or null for none. */
  expiresAt: number | null;
}

/** The default indexed fields of a store. Pure. */
export function defaultFields(options: StoreOptions): readonly string[] {
  return options.embeddings?.fields ?? options.fields ?? DEFAULT_FIELDS;
}

/**
 * Checks and prepares a put: JSON, indexed text, vector (calls the embedding model) and expiry.
 * @throws InvalidArgumentError or NotSerializableError for bad input; StoreEmbeddingError.
 */
export async function preparePut(
  store: StoreOptions,
  address: { namespace: Namespace; key: string; value: StoreValue },
  rawOptions: PutOptions | false | string[] | undefined,
): Promise<PreparedPut> {
  const namespace = joinNamespace(checkNamespace(address.namespace));
  const key = checkKey(address.key);
  const json = JSON.stringify(checkValue(address.value));
  const options = checkPutOptions(rawOptions);
  const text = indexText(address.value, options.index ?? defaultFields(store));
  const embedding =
    store.embeddings && text !== null ? (await embedTexts(store.embeddings, [text]))[0]! : null;
  const now = (store.clock ?? Date.now)();
  const expiresAt = options.ttlMs ? now + options.ttlMs : null;
  return { namespace, key, json, text, embedding, now, expiresAt };
}

/** A checked search. */
export interface SearchPlan {
  prefix: string;
  under: string;
  filter: StoreFilter | undefined;
  /** Distinct query tokens; empty when there is no (non-blank) query. */
  terms: string[];
  hasQuery: boolean;
  queryVector: number[] | undefined;
  limit: number;
  offset: number;
  now: number;
}

/**
 * Checks a search and embeds its query when embeddings are configured.
 * @throws InvalidArgumentError for a bad prefix, filter, limit or offset; StoreEmbeddingError.
 */
export async function planSearch(
  store: StoreOptions,
  namespacePrefix: Namespace,
  options: SearchOptions = {},
): Promise<SearchPlan> {
  const { prefix, under } = prefixParams(checkNamespace(namespacePrefix, true));
  const filter = checkStoreFilter(options.filter);
  const { limit, offset } = checkPaging(options, 10);
  const query = typeof options.query === "string" ? options.query.trim() : "";
  const hasQuery = query !== "";
  const queryVector =
    hasQuery && store.embeddings ? (await embedTexts(store.embeddings, [query]))[0] : undefined;
  const now = (store.clock ?? Date.now)();
  return {
    prefix,
    under,
    filter,
    terms: queryTerms(query),
    hasQuery,
    queryVector,
    limit,
    offset,
    now,
  };
}

/**
 * Runs `batch` operations in order through the store's own methods (LangGraph's op shapes:
 * a put with `value: null` deletes). Results are by position; puts give undefined.
 */
export async function runBatch(store: Store, operations: Operation[]): Promise<OperationResult[]> {
  const results: OperationResult[] = [];
  for (const op of operations) {
    if ("namespacePrefix" in op) {
      results.push(await store.search(op.namespacePrefix, op));
    } else if ("value" in op) {
      if (op.value === null) await store.delete(op.namespace, op.key);
      else await store.put(op.namespace, op.key, op.value, { index: op.index, ttlMs: op.ttlMs });
      results.push(undefined);
    } else if ("key" in op) {
      results.push(await store.get(op.namespace, op.key));
    } else {
      results.push(await store.listNamespaces(listOptionsOf(op)));
    }
  }
  return results;
}
