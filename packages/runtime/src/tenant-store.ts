/**
 * One tenant's view of the platform's long-term memory `Store`: every namespace is kept under a
 * first label naming the tenant, which the view adds on the way in and strips on the way out.
 * A graph run and the `/store` API see only their tenant's items, as they see only its threads.
 */
import {
  checkNamespace,
  type Item,
  type ListNamespacesOptions,
  type Namespace,
  type Operation,
  type OperationResult,
  type PutOptions,
  type SearchItem,
  type SearchOptions,
  type Store,
  type StoreValue,
} from "@conclave/core";

/** The first namespace label of `tenant`'s items. */
export function tenantLabel(tenant: string): string {
  return `tenant:${tenant}`;
}

/** `store` as `tenant` sees it. */
export function tenantStore(store: Store, tenant: string): Store {
  const label = tenantLabel(tenant);
  const inner = (namespace: Namespace): Namespace => [label, ...namespace];
  // An item's namespace must be non-empty: the tenant's label must not make an empty one valid.
  const itemNs = (namespace: Namespace): Namespace => inner(checkNamespace(namespace));
  const outer = <T extends Item | SearchItem>(item: T): T => ({
    ...item,
    namespace: item.namespace.slice(1),
  });
  const listOptions = (options: ListNamespacesOptions = {}): ListNamespacesOptions => ({
    ...options,
    prefix: inner(options.prefix ?? []),
    ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth + 1 }),
  });
  return {
    get: async (namespace: Namespace, key: string) => {
      const item = await store.get(itemNs(namespace), key);
      return item && outer(item);
    },
    put: async (
      namespace: Namespace,
      key: string,
      value: StoreValue,
      options?: PutOptions | false | string[],
    ) => store.put(itemNs(namespace), key, value, options),
    delete: async (namespace: Namespace, key: string) => store.delete(itemNs(namespace), key),
    search: async (prefix: Namespace, options?: SearchOptions) =>
      (await store.search(inner(prefix), options)).map(outer),
    listNamespaces: async (options?: ListNamespacesOptions) =>
      (await store.listNamespaces(listOptions(options))).map((ns) => ns.slice(1)),
    batch: async (operations: Operation[]) => {
      const results = await store.batch(operations.map((op) => scopedOperation(op, inner)));
      return results.map((result, i) => scopedResult(operations[i]!, result));
    },
    sweepExpired: () => store.sweepExpired(),
  };
}

function scopedOperation(op: Operation, inner: (ns: Namespace) => Namespace): Operation {
  if ("namespacePrefix" in op) return { ...op, namespacePrefix: inner(op.namespacePrefix) };
  if ("namespace" in op) return { ...op, namespace: inner(checkNamespace(op.namespace)) };
  const conditions = op.matchConditions ?? [];
  const prefixed = conditions.map((c) =>
    c.matchType === "prefix" ? { ...c, path: inner(c.path) } : c,
  );
  // Without a prefix condition the tenant's label becomes one, so no other tenant's shows.
  if (!conditions.some((c) => c.matchType === "prefix"))
    prefixed.push({ matchType: "prefix", path: inner([]) });
  return {
    ...op,
    matchConditions: prefixed,
    ...(op.maxDepth === undefined ? {} : { maxDepth: op.maxDepth + 1 }),
  };
}

function scopedResult(op: Operation, result: OperationResult): OperationResult {
  if (result === null || result === undefined) return result;
  if (!Array.isArray(result)) return { ...result, namespace: result.namespace.slice(1) };
  if (!("namespacePrefix" in op)) return (result as Namespace[]).map((ns) => ns.slice(1));
  return (result as SearchItem[]).map((item) => ({ ...item, namespace: item.namespace.slice(1) }));
}
