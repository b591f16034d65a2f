/**
 * Namespace encoding and listing shared by the stores. A namespace is stored as its labels
 * joined by "." (labels cannot contain "."), so a prefix search is "equal, or starts with the
 * prefix plus '.'". All pure.
 */
import type { ListNamespacesOperation, ListNamespacesOptions, Namespace } from "./types.ts";
import { checkNamespace, checkPaging, NAMESPACE_SEPARATOR } from "./validate.ts";

/** The stored form of a namespace. Pure. */
export function joinNamespace(namespace: Namespace): string {
  return namespace.join(NAMESPACE_SEPARATOR);
}

/** The namespace of a stored string. Pure. */
export function splitNamespace(stored: string): Namespace {
  return stored.split(NAMESPACE_SEPARATOR);
}

/** Whether `namespace` equals `prefix` or lies under it; `[]` matches all. Pure. */
export function underPrefix(namespace: Namespace, prefix: Namespace): boolean {
  return prefix.length <= namespace.length && prefix.every((label, i) => namespace[i] === label);
}

/**
 * SQL parameters for a prefix test: `prefix` (stored form, "" for all) and `under` (the
 * stored form plus "."), for `(prefix = '' OR ns = prefix OR ns starts with under)`. Pure.
 */
export function prefixParams(prefix: Namespace): { prefix: string; under: string } {
  const stored = joinNamespace(prefix);
  return { prefix: stored, under: `${stored}${NAMESPACE_SEPARATOR}` };
}

/** Converts a batch `ListNamespacesOperation` to `listNamespaces` options. Pure. */
export function listOptionsOf(op: ListNamespacesOperation): ListNamespacesOptions {
  const options: ListNamespacesOptions = {
    maxDepth: op.maxDepth,
    limit: op.limit,
    offset: op.offset,
  };
  for (const condition of op.matchConditions ?? []) {
    if (condition.matchType === "prefix") options.prefix = condition.path;
    else options.suffix = condition.path;
  }
  return options;
}

/**
 * Applies `listNamespaces` options to every live namespace: prefix and suffix (with `"*"`
 * wildcards), truncation to `maxDepth`, deduplication, sorting, then offset and limit (default
 * 100). Pure.
 * @throws InvalidArgumentError for bad labels, maxDepth, limit or offset.
 */
export function listNamespacesIn(
  all: Iterable<Namespace>,
  options: ListNamespacesOptions = {},
): Namespace[] {
  const prefix = checkNamespace(options.prefix ?? [], true);
  const suffix = checkNamespace(options.suffix ?? [], true);
  const { limit, offset } = checkPaging(options, 100);
  const depth = checkPaging({ limit: options.maxDepth ?? Number.MAX_SAFE_INTEGER }, 0).limit;
  const out = new Map<string, Namespace>();
  for (const ns of all) {
    if (!matchesAt(ns, prefix, 0) || !matchesAt(ns, suffix, ns.length - suffix.length)) continue;
    const truncated = ns.slice(0, depth);
    if (truncated.length > 0) out.set(joinNamespace(truncated), truncated);
  }
  return [...out.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .slice(offset, offset + limit)
    .map(([, ns]) => ns);
}

function matchesAt(ns: Namespace, pattern: Namespace, start: number): boolean {
  if (start < 0 || pattern.length > ns.length) return false;
  return pattern.every((label, i) => label === "*" || ns[start + i] === label);
}
