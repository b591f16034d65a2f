/**
 * Evaluates a search `filter` against a value, as LangGraph does: each key is a field path,
 * each condition a plain value (deep equality) or operators `$eq $ne $gt $gte $lt $lte`; all
 * conditions must hold. Order comparisons hold only between two numbers or two strings.
 * Every store evaluates filters here, so the semantics are identical across backends.
 */
import { InvalidArgumentError } from "../errors.ts";
import type { StoreFilter } from "./types.ts";
import { isPlainObject } from "./validate.ts";

const OPERATORS = new Set(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte"]);

/**
 * Checks a filter's shape once per search.
 * @throws InvalidArgumentError (code STORE_INVALID_FILTER) for an unknown `$` operator.
 */
export function checkStoreFilter(filter: unknown): StoreFilter | undefined {
  if (filter === undefined || filter === null) return undefined;
  if (!isPlainObject(filter)) {
    throw new InvalidArgumentError(
      `A store filter must be an object of field paths, got ${typeof filter}.`,
      "STORE_INVALID_FILTER",
    );
  }
  for (const [field, condition] of Object.entries(filter)) {
    if (!isOperators(condition)) continue;
    for (const op of Object.keys(condition)) {
      if (!OPERATORS.has(op)) {
        throw new InvalidArgumentError(
          `Unknown store filter operator ${JSON.stringify(op)} on field ${JSON.stringify(field)}; ` +
            "use one of $eq, $ne, $gt, $gte, $lt, $lte.",
          "STORE_INVALID_FILTER",
        );
      }
    }
  }
  return filter;
}

/** Whether `value` satisfies every condition of `filter`. Pure. */
export function matchesStoreFilter(value: unknown, filter: StoreFilter | undefined): boolean {
  if (!filter) return true;
  for (const [field, condition] of Object.entries(filter)) {
    const actual = fieldValue(value, field);
    if (isOperators(condition)) {
      for (const [op, expected] of Object.entries(condition)) {
        if (!compare(op, actual, expected)) return false;
      }
    } else if (!deepEqual(actual, condition)) {
      return false;
    }
  }
  return true;
}

function isOperators(condition: unknown): condition is Record<string, unknown> {
  return isPlainObject(condition) && Object.keys(condition).some((k) => k.startsWith("$"));
}

function fieldValue(value: unknown, path: string): unknown {
  let current = value;
  for (const name of path.split(".")) {
    if (!isPlainObject(current) || !Object.hasOwn(current, name)) return undefined;
    current = current[name];
  }
  return current;
}

function compare(op: string, actual: unknown, expected: unknown): boolean {
  if (op === "$eq") return deepEqual(actual, expected);
  if (op === "$ne") return !deepEqual(actual, expected);
  const comparable =
    (typeof actual === "number" && typeof expected === "number") ||
    (typeof actual === "string" && typeof expected === "string");
  if (!comparable) return false;
  const a = actual as number | string;
  const e = expected as number | string;
  if (op === "$gt") return a > e;
  if (op === "$gte") return a >= e;
  if (op === "$lt") return a < e;
  return a <= e;
}

/** Structural equality of JSON values. Pure. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a).filter((k) => a[k] !== undefined);
    const other = Object.keys(b).filter((k) => b[k] !== undefined);
    return keys.length === other.length && keys.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}
