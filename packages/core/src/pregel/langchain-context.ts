/**
 * How LangChain runnables called inside a node find the node's config without being passed it,
 * as they do under LangGraph: `model.invoke(messages)` in a node still reports to the node's
 * callbacks (stream mode `messages`) and sees its signal, tags and metadata.
 *
 * LangChain reads the current config from one AsyncLocalStorage shared through a global symbol
 * (so that several copies of `@langchain/core` agree). LangGraph creates that storage when it is
 * imported; the engine does the same, with no import of LangChain, and puts each node's config in
 * it while the node runs. Where AsyncLocalStorage is unavailable (browsers), nodes pass `config`.
 */

import { type LangChainMessageInstance, toMessage } from "../graph/messages.ts";
import { type ContextStorage, newContextStorage } from "./interrupt.ts";

/** The global key of LangChain's shared AsyncLocalStorage (`@langchain/core/singletons`). */
const LANGCHAIN_STORAGE = Symbol.for("ls:tracing_async_local_storage");
/** Where LangChain's storage value keeps the runnable config (`getRunnableConfig`). */
const CHILD_CONFIG = Symbol.for("lc:child_config");

/**
 * LangChain's shared storage; created (as LangGraph creates it on import) when `create` and
 * missing. Read on each call, since LangChain may create it after the engine loaded.
 */
function sharedStorage(create: boolean): ContextStorage<unknown> | undefined {
  const global = globalThis as Record<symbol, unknown>;
  let storage = global[LANGCHAIN_STORAGE] as ContextStorage<unknown> | undefined;
  if (storage === undefined && create) {
    storage = newContextStorage<unknown>();
    if (storage !== undefined) global[LANGCHAIN_STORAGE] = storage;
  }
  return storage;
}

/** Runs `fn` with `config` as LangChain's current runnable config. */
export function runWithLangChainConfig<R>(config: unknown, fn: () => R): R {
  const storage = sharedStorage(true);
  if (storage === undefined) return fn();
  return storage.run(childStore(storage.getStore(), config), fn);
}

/**
 * The storage value for a node: the caller's (a LangSmith RunTree, context variables) copied
 * with its own prototype, so tracing still nests under it, with the node's config as the config.
 */
function childStore(previous: unknown, config: unknown): object {
  if (typeof previous !== "object" || previous === null)
    return { extra: { [CHILD_CONFIG]: config } };
  const store = Object.assign(Object.create(Object.getPrototypeOf(previous)), previous) as {
    extra?: Record<string | symbol, unknown>;
  };
  store.extra = { ...store.extra, [CHILD_CONFIG]: config };
  return store;
}

/** The config of the LangChain runnable (or node) the caller runs in, if any. */
export function outerLangChainConfig(): { callbacks?: unknown } | undefined {
  const store = sharedStorage(false)?.getStore() as { extra?: Record<symbol, unknown> } | undefined;
  return store?.extra?.[CHILD_CONFIG] as { callbacks?: unknown } | undefined;
}

/** A `@langchain/core` message instance (`BaseMessage`), with the fields the engine sets. */
export interface LangChainMessage extends LangChainMessageInstance {
  lc_kwargs?: Record<string, unknown>;
}

/** Whether `value` is a LangChain message instance (LangChain's own `isBaseMessage` test). */
export function isLangChainMessage(value: unknown): value is LangChainMessage {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { _getType?: unknown })._getType === "function"
  );
}

/** The message classes the engine builds when LangChain is there. */
export interface LangChainMessageClasses {
  AIMessageChunk?: new (fields: { content: string }) => LangChainMessage;
  ToolMessage?: new (fields: Record<string, unknown>) => LangChainMessage;
  SystemMessage?: new (fields: { content: string }) => LangChainMessage;
}

const loaded = new Map<string, Promise<unknown>>();

/**
 * A module of `@langchain/core` (`"messages"`, `"runnables"`...), from the copy that nodes'
 * models and tools run on (an optional peer dependency), or undefined when it is not
 * installed. Each is loaded once. The specifier is built at run time, so bundlers of apps
 * without LangChain do not try to resolve it.
 */
export function loadLangChain<T>(module: string): Promise<T | undefined> {
  let found = loaded.get(module);
  if (found === undefined) {
    found = import(/* @vite-ignore */ `@langchain/core/${module}`).catch(() => undefined);
    loaded.set(module, found);
  }
  return found as Promise<T | undefined>;
}

/** `@langchain/core/messages` (see {@link loadLangChain}). */
export function loadLangChainMessages(): Promise<LangChainMessageClasses | undefined> {
  return loadLangChain<LangChainMessageClasses>("messages");
}

/**
 * `value` as a saver can store it: LangChain messages, at the top or inside arrays and plain
 * objects, become plain messages (as the messages reducer makes them), since the serializer
 * takes no class instances. Returns `value` itself when it holds none.
 */
export function plainMessages(value: unknown, depth = 0): unknown {
  if (isLangChainMessage(value)) return toMessage(value);
  if (depth > 16 || typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    const items = value.map((item) => plainMessages(item, depth + 1));
    return items.some((item, i) => item !== value[i]) ? items : value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const plain = plainMessages(item, depth + 1);
    if (plain === item) continue;
    copy ??= { ...value };
    copy[key] = plain;
  }
  return copy ?? value;
}

/** What the engine uses of LangChain's `CallbackManager`. */
interface CallbackManagerLike {
  handlers?: unknown[];
  copy(): CallbackManagerLike;
  addHandler(handler: unknown, inherit?: boolean): void;
  removeHandler?(handler: unknown): void;
}

/**
 * `callbacks` (a list, a LangChain CallbackManager, a lone handler or none) with `handler`
 * added, leaving out the handlers `drop` matches. A manager is copied, never changed.
 */
export function withCallbackHandler(
  callbacks: unknown,
  handler: object,
  drop: (handler: unknown) => boolean = () => false,
): unknown {
  if (callbacks === undefined || callbacks === null) return [handler];
  if (Array.isArray(callbacks)) return [...callbacks.filter((h) => !drop(h)), handler];
  const manager = callbacks as CallbackManagerLike;
  if (typeof manager.copy !== "function" || typeof manager.addHandler !== "function")
    return [callbacks, handler];
  const copy = manager.copy();
  for (const h of [...(copy.handlers ?? [])]) if (drop(h)) copy.removeHandler?.(h);
  copy.addHandler(handler, true);
  return copy;
}
