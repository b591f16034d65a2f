/**
 * Node caching, as LangGraph's: a node with a `cachePolicy`, in a graph compiled with a `cache`,
 * looks its writes up by a key of its input before it runs. A hit applies the cached writes
 * without running the node (streamed as `{ node: update, __metadata__: { cached: true } }`); a
 * run that succeeds stores its writes for `ttl` seconds. The cache is any object with
 * LangGraph's `BaseCache` methods, so LangGraph's `InMemoryCache` works too.
 */

import { sha256 } from "../checkpoint/row.ts";
import { toError } from "../errors.ts";
import { decode } from "../serde/decode.ts";
import { encode } from "../serde/encode.ts";
import type { Task } from "./algo.ts";
import { plainMessages } from "./langchain-context.ts";

/** How a node's results are cached (LangGraph's `CachePolicy`). */
export interface CachePolicy {
  /** The key of an input; receives `[input]`. Default `JSON.stringify`. */
  keyFunc?: (args: unknown[]) => string;
  /** Seconds a result stays valid; forever when unset. */
  ttl?: number;
}

/** A cache key: a namespace and a key within it. */
export type CacheFullKey = [namespace: string[], key: string];

/** LangGraph's `BaseCache` interface, which the engine calls. */
export interface NodeCache {
  get(keys: CacheFullKey[]): Promise<{ key: CacheFullKey; value: unknown }[]>;
  set(pairs: { key: CacheFullKey; value: unknown; ttl?: number }[]): Promise<void>;
  clear(namespaces: string[][]): Promise<void>;
}

/** The namespace of cached node writes (LangGraph's `CACHE_NS_WRITES`). */
const CACHE_NS_WRITES = "__pregel_ns_writes";

/** The cache key of a task whose node has a cache policy, else undefined. */
export function cacheKeyOf(task: Task): { key: CacheFullKey; ttl?: number } | undefined {
  const policy = task.node.cachePolicy;
  return policy && cacheKeyFor(task.name, task.input, policy);
}

/** The cache key of `input` to `name` (a node's input, or a task call's arguments). */
export function cacheKeyFor(
  name: string,
  input: unknown,
  policy: CachePolicy,
): { key: CacheFullKey; ttl?: number } {
  const text = (policy.keyFunc ?? JSON.stringify)([input]);
  // Hashed, as LangGraph does, so a large input makes a short key.
  return { key: [[CACHE_NS_WRITES, name], sha256(text)], ttl: policy.ttl };
}

/**
 * Gives the tasks that have cached writes those writes; returns the tasks that hit.
 * Tasks whose writes are already known (restored from an earlier attempt) are not looked up.
 */
export async function matchCachedWrites(cache: NodeCache, tasks: Task[]): Promise<Task[]> {
  const byKey = new Map<string, Task>();
  const keys: CacheFullKey[] = [];
  for (const task of tasks) {
    const found = cacheKeyOf(task);
    if (!found || task.restored) continue;
    keys.push(found.key);
    byKey.set(JSON.stringify(found.key), task);
  }
  if (keys.length === 0) return [];
  const hits: Task[] = [];
  for (const { key, value } of await cache.get(keys)) {
    const task = byKey.get(JSON.stringify(key));
    if (!task || !Array.isArray(value)) continue;
    task.writes = value as Task["writes"];
    hits.push(task);
  }
  return hits;
}

/** Stores a finished task's writes, when its node is cached and it wrote something. */
export async function cacheWrites(cache: NodeCache, task: Task): Promise<void> {
  const found = cacheKeyOf(task);
  if (!found || task.writes.length === 0) return;
  // Stored as a checkpoint stores them: LangChain messages plain, so any cache can encode them.
  await keepOrWarn(cache, found, plainMessages(task.writes), `node "${task.name}"`);
}

/**
 * Stores `value` under `found`. A cache that fails does not fail the run: the work simply runs
 * again next time, and the failure is reported as a process warning.
 */
export async function keepOrWarn(
  cache: NodeCache,
  found: { key: CacheFullKey; ttl?: number },
  value: unknown,
  what: string,
): Promise<void> {
  try {
    await cache.set([{ key: found.key, value, ttl: found.ttl }]);
  } catch (error) {
    const host = (globalThis as { process?: { emitWarning?: (...args: unknown[]) => void } })
      .process;
    host?.emitWarning?.(
      `Conclave could not cache the result of ${what}: ${toError(error).message}. It will run again for this input.`,
      { code: "CONCLAVE_CACHE_WRITE_FAILED" },
    );
  }
}

/**
 * A cache in this process's memory (LangGraph's `InMemoryCache`). Values are stored encoded, so
 * a hit is a copy that a node cannot change under the cache.
 */
export class InMemoryCache implements NodeCache {
  readonly #entries = new Map<string, Map<string, { encoded: string; expires?: number }>>();
  readonly #now: () => number;

  /** @param now - The clock, in milliseconds (default `Date.now`); tests inject one. */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async get(keys: CacheFullKey[]): Promise<{ key: CacheFullKey; value: unknown }[]> {
    const now = this.#now();
    const found: { key: CacheFullKey; value: unknown }[] = [];
    for (const key of keys) {
      const space = this.#entries.get(key[0].join(","));
      const entry = space?.get(key[1]);
      if (entry === undefined) continue;
      if (entry.expires !== undefined && now >= entry.expires) space?.delete(key[1]);
      else found.push({ key, value: decode(entry.encoded) });
    }
    return found;
  }

  async set(pairs: { key: CacheFullKey; value: unknown; ttl?: number }[]): Promise<void> {
    const now = this.#now();
    for (const { key, value, ttl } of pairs) {
      const name = key[0].join(",");
      let space = this.#entries.get(name);
      if (space === undefined) {
        space = new Map();
        this.#entries.set(name, space);
      }
      const expires = ttl === undefined ? undefined : now + ttl * 1000;
      space.set(key[1], { encoded: encode(value), expires });
    }
  }

  /** Drops the namespaces given, or everything when none are. */
  async clear(namespaces: string[][] = []): Promise<void> {
    if (namespaces.length === 0) this.#entries.clear();
    for (const namespace of namespaces) this.#entries.delete(namespace.join(","));
  }
}
