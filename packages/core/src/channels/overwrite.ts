/**
 * Wraps a value so a reducer channel is replaced instead of reduced. At most one per channel per
 * superstep. Also recognised in its serialisable form `{ __overwrite__: value }`.
 *
 * @example
 * return { items: new Overwrite([]) }; // clears an append-reduced list
 */
export class Overwrite<T = unknown> {
  readonly value: T;
  constructor(value: T) {
    this.value = value;
  }
}

const OVERWRITE_KEY = "__overwrite__";

/** Whether `value` asks to replace a reducer channel. Pure. */
export function isOverwrite(value: unknown): value is Overwrite | { [OVERWRITE_KEY]: unknown } {
  if (value instanceof Overwrite) return true;
  return (
    typeof value === "object" &&
    value !== null &&
    Object.keys(value).length === 1 &&
    Object.hasOwn(value, OVERWRITE_KEY)
  );
}

/** The wrapped value of an Overwrite, or `value` itself. Pure. */
export function unwrapOverwrite(value: unknown): unknown {
  if (value instanceof Overwrite) return value.value;
  if (isOverwrite(value)) return (value as { [OVERWRITE_KEY]: unknown })[OVERWRITE_KEY];
  return value;
}
