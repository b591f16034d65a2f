/**
 * Input checks shared by every Store implementation, so the same bad input fails the same way
 * (same class, code and message) on memory, SQLite and PostgreSQL. All pure.
 */
import { InvalidArgumentError, NotSerializableError } from "../errors.ts";
import type {
  ListNamespacesOptions,
  Namespace,
  PutOptions,
  SearchOptions,
  StoreValue,
} from "./types.ts";

/** Separator of the stored namespace string; labels may not contain it. */
export const NAMESPACE_SEPARATOR = ".";

/**
 * Checks a namespace used to address items (put/get/delete): non-empty, labels non-empty, no ".".
 * @throws InvalidArgumentError (code STORE_INVALID_NAMESPACE).
 */
export function checkNamespace(namespace: unknown, allowEmpty = false): Namespace {
  if (!Array.isArray(namespace) || (!allowEmpty && namespace.length === 0)) {
    throw new InvalidArgumentError(
      `A store namespace must be a non-empty array of strings, got ${show(namespace)}; ` +
        'pass e.g. ["users", "u1"].',
      "STORE_INVALID_NAMESPACE",
    );
  }
  for (const label of namespace) {
    if (typeof label !== "string" || label === "" || label.includes(NAMESPACE_SEPARATOR)) {
      throw new InvalidArgumentError(
        `Store namespace labels must be non-empty strings without "${NAMESPACE_SEPARATOR}", got ` +
          `${show(label)} in ${show(namespace)}; split it into separate labels.`,
        "STORE_INVALID_NAMESPACE",
      );
    }
  }
  return namespace as Namespace;
}

/**
 * Checks an item key.
 * @throws InvalidArgumentError (code STORE_INVALID_KEY) for a non-string or empty key.
 */
export function checkKey(key: unknown): string {
  if (typeof key !== "string" || key === "") {
    throw new InvalidArgumentError(
      `A store key must be a non-empty string, got ${show(key)}.`,
      "STORE_INVALID_KEY",
    );
  }
  return key;
}

/**
 * Checks that a value is a plain JSON object that round-trips through JSON exactly
 * (undefined object properties are dropped, as JSON does).
 * @throws NotSerializableError naming the first bad path.
 */
export function checkValue(value: unknown): StoreValue {
  if (!isPlainObject(value)) {
    throw new NotSerializableError(
      "$",
      `A store value must be a plain JSON object, got ${describe(value)}; wrap it, e.g. { data: value }.`,
    );
  }
  checkJson(value, "$", new Set());
  return value;
}

function checkJson(value: unknown, path: string, seen: Set<object>): void {
  if (value === null || typeof value === "string" || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) notJson(path, value);
    return;
  }
  if (typeof value !== "object") notJson(path, value);
  if (seen.has(value)) notJson(path, value, "a circular reference");
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((entry, i) => {
      checkJson(entry, `${path}[${i}]`, seen);
    });
  } else if (isPlainObject(value)) {
    for (const [k, entry] of Object.entries(value)) {
      if (entry !== undefined) checkJson(entry, `${path}.${k}`, seen);
    }
  } else {
    notJson(path, value);
  }
  seen.delete(value);
}

function notJson(path: string, value: unknown, what = describe(value)): never {
  throw new NotSerializableError(
    path,
    `The store value at ${path} is ${what}, which JSON cannot store exactly; store plain ` +
      "objects, arrays, strings, finite numbers, booleans and null (dates as ISO strings).",
  );
}

/**
 * Normalizes `put`'s fourth argument (options, or LangGraph's `false | string[]` index).
 * @throws InvalidArgumentError (code STORE_INVALID_TTL or STORE_INVALID_INDEX).
 */
export function checkPutOptions(options: PutOptions | false | string[] | undefined): PutOptions {
  const normalized =
    options === false || Array.isArray(options) ? { index: options } : (options ?? {});
  const { ttlMs, index } = normalized;
  if (
    ttlMs !== undefined &&
    ttlMs !== null &&
    !(typeof ttlMs === "number" && ttlMs > 0 && Number.isFinite(ttlMs))
  ) {
    throw new InvalidArgumentError(
      `A store ttlMs must be a finite number of milliseconds > 0 (or omitted for no expiry), got ${show(ttlMs)}.`,
      "STORE_INVALID_TTL",
    );
  }
  if (
    index !== undefined &&
    index !== false &&
    !(Array.isArray(index) && index.every((f) => typeof f === "string" && f !== ""))
  ) {
    throw new InvalidArgumentError(
      `A store index must be false or an array of field paths, got ${show(index)}.`,
      "STORE_INVALID_INDEX",
    );
  }
  return normalized;
}

/**
 * Checks `limit`/`offset` and returns them with defaults applied.
 * @throws InvalidArgumentError (code STORE_INVALID_OPTION).
 */
export function checkPaging(
  options: SearchOptions | ListNamespacesOptions,
  defaultLimit: number,
): { limit: number; offset: number } {
  const limit = options.limit ?? defaultLimit;
  const offset = options.offset ?? 0;
  for (const [name, n] of [
    ["limit", limit],
    ["offset", offset],
  ] as const) {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new InvalidArgumentError(
        `A store ${name} must be an integer >= 0, got ${show(n)}.`,
        "STORE_INVALID_OPTION",
      );
    }
  }
  return { limit, offset };
}

/** Whether `value` is an object created by `{}` or `Object.create(null)`. Pure. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `an instance of ${value.constructor?.name ?? "a class"}`;
  if (typeof value === "number") return String(value);
  return `a ${typeof value}`;
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
