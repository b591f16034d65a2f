/** The cross-thread Store (long-term memory): contract, shared helpers and the in-memory store. */
export { StoreEmbeddingError } from "./errors.ts";
export { checkStoreFilter, deepEqual, matchesStoreFilter } from "./filter.ts";
export { InMemoryStore } from "./memory-store.ts";
export {
  joinNamespace,
  listNamespacesIn,
  listOptionsOf,
  prefixParams,
  splitNamespace,
  underPrefix,
} from "./namespaces.ts";
export {
  defaultFields,
  type PreparedPut,
  planSearch,
  preparePut,
  runBatch,
  type SearchPlan,
} from "./operations.ts";
export {
  type Candidate,
  cosine,
  embedTexts,
  type RankRequest,
  rankCandidates,
  TEXT_WEIGHT,
} from "./ranking.ts";
export {
  bm25Scores,
  DEFAULT_FIELDS,
  indexText,
  queryTerms,
  type TextDocument,
  tokenize,
  valuesAtPath,
} from "./text.ts";
export type {
  FilterOperators,
  GetOperation,
  Item,
  ListNamespacesOperation,
  ListNamespacesOptions,
  Namespace,
  Operation,
  OperationResult,
  PutOperation,
  PutOptions,
  SearchItem,
  SearchOperation,
  SearchOptions,
  Store,
  StoreEmbeddings,
  StoreFilter,
  StoreOptions,
  StoreValue,
} from "./types.ts";
export {
  checkKey,
  checkNamespace,
  checkPaging,
  checkPutOptions,
  checkValue,
  isPlainObject,
  NAMESPACE_SEPARATOR,
} from "./validate.ts";
