import type { ChannelSpec } from "../channels/channel.ts";
import { lastValue } from "../channels/last-value.ts";
import { type Reducer, reducerChannel } from "../channels/reducer.ts";

/** Reducer metadata attached to a zod field, as LangGraph's `withLangGraph` does. */
export interface ZodFieldMeta<V = unknown, U = V> {
  reducer?: { fn: Reducer<V, U>; schema?: unknown } | Reducer<V, U>;
  default?: () => V;
}

const fieldMeta = new WeakMap<object, ZodFieldMeta>();

/**
 * Attaches a reducer and/or default to a zod field of a state schema. Returns the same schema.
 *
 * @example
 * const State = z.object({ items: withLangGraph(z.array(z.string()), { reducer: { fn: (a, b) => a.concat(b) }, default: () => [] }) });
 */
export function withLangGraph<T extends object, V = unknown, U = V>(
  schema: T,
  meta: ZodFieldMeta<V, U>,
): T {
  fieldMeta.set(schema, meta as ZodFieldMeta);
  return schema;
}

/** A zod object schema, duck-typed so both zod 3 and zod 4 objects are accepted. */
export interface ZodObjectLike {
  shape: Record<string, unknown>;
  safeParse(value: unknown): { success: boolean; error?: unknown; data?: unknown };
}

/** Whether `value` looks like a zod object schema. Pure. */
export function isZodObject(value: unknown): value is ZodObjectLike {
  if (typeof value !== "object" || value === null) return false;
  const v = value as { shape?: unknown; safeParse?: unknown; _zod?: unknown; _def?: unknown };
  return (
    typeof v.shape === "object" &&
    typeof v.safeParse === "function" &&
    (v._zod !== undefined || v._def !== undefined)
  );
}

function zodDefault(field: unknown): (() => unknown) | undefined {
  const def = field as {
    _zod?: { def?: { type?: string; defaultValue?: unknown } };
    _def?: { typeName?: string; defaultValue?: unknown };
  };
  const v4 = def._zod?.def;
  if (v4?.type === "default") {
    const value = v4.defaultValue;
    return () =>
      typeof value === "function" ? (value as () => unknown)() : structuredClone(value);
  }
  if (def._def?.typeName === "ZodDefault" && typeof def._def.defaultValue === "function") {
    return def._def.defaultValue as () => unknown;
  }
  return undefined;
}

/** Builds the channel for one zod field. Pure. */
export function channelForZodField(field: unknown): ChannelSpec {
  const meta = typeof field === "object" && field !== null ? fieldMeta.get(field) : undefined;
  const initial = meta?.default ?? zodDefault(field);
  const reducer = typeof meta?.reducer === "function" ? meta.reducer : meta?.reducer?.fn;
  if (reducer) return reducerChannel(reducer, initial);
  if (initial) return reducerChannel((_a, b) => b, initial);
  return lastValue();
}
