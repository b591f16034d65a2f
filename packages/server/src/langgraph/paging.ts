/**
 * Search pages for filters and sort orders the stores do not index (LangGraph's `sort_by`,
 * `ids`, `values`): the matching records are read in store pages, then filtered, sorted and
 * cut here. Plain searches go to the store's own paging instead.
 */
import type { JsonObject } from "@conclave/core";

const STORE_PAGE = 1000;

/** Every record a paged store query returns, read page by page. */
export async function readAll<T>(
  fetchPage: (page: { limit: number; offset: number }) => Promise<T[]>,
): Promise<T[]> {
  const all: T[] = [];
  for (let offset = 0; ; offset += STORE_PAGE) {
    const page = await fetchPage({ limit: STORE_PAGE, offset });
    all.push(...page);
    if (page.length < STORE_PAGE) return all;
  }
}

/** LangGraph's paging and sorting fields of a search body. */
export interface PageRequest {
  limit?: number | null;
  offset?: number | null;
  sort_by?: string | null;
  sort_order?: "asc" | "desc" | null;
}

/** Sorts wire objects by `sort_by` (default `created_at`, newest first) and cuts one page. Pure. */
export function sortedPage(items: JsonObject[], request: PageRequest): JsonObject[] {
  const key = request.sort_by ?? "created_at";
  const sign = (request.sort_order ?? "desc") === "desc" ? -1 : 1;
  const sorted = [...items].sort((a, b) => sign * compare(a[key], b[key]));
  const offset = request.offset ?? 0;
  return sorted.slice(offset, offset + (request.limit ?? 10));
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a ?? "").localeCompare(String(b ?? ""));
}

/** Whether every key of `filter` equals (as JSON) the same key of `record`. Pure. */
export function matches(record: unknown, filter: JsonObject | null | undefined): boolean {
  if (!filter) return true;
  const values = (record ?? {}) as JsonObject;
  return Object.entries(filter).every(
    ([key, value]) => JSON.stringify(values[key]) === JSON.stringify(value),
  );
}

/** Whether a search needs `sortedPage` rather than the store's newest-first order. Pure. */
export function needsLocalSort(request: PageRequest): boolean {
  const key = request.sort_by ?? "created_at";
  return key !== "created_at" || (request.sort_order ?? "desc") !== "desc";
}
