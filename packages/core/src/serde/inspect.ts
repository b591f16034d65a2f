/**
 * The slow path of `encode`: finds where an unsupported value sits and says what it is, so the
 * error can name `state.items[3].handle` instead of "something somewhere". It walks in the same
 * order as the encoder, so it names the same value the encoder tripped on.
 */
/** Where an unsupported value sits and what it is. */
export interface UnsupportedValue {
  /** JavaScript-style path from the root, e.g. `state.items[3].handle`. */
  path: string;
  /** A human description, e.g. `a function (named "close")` or `an instance of class Socket`. */
  kind: string;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const specialPrototypes: readonly unknown[] = [
  Date.prototype,
  Map.prototype,
  Set.prototype,
  Uint8Array.prototype,
  Buffer.prototype,
];

/**
 * Returns the first value `encode` rejects, or `undefined` when there is none. Pure.
 * @param root - The name of `value` in the returned path.
 */
export function findUnserializable(value: unknown, root: string): UnsupportedValue | undefined {
  return walk(value, root, new Set());
}

function walk(value: unknown, path: string, ancestors: Set<object>): UnsupportedValue | undefined {
  if (typeof value !== "object" || value === null) {
    const type = typeof value;
    if (type === "function" || type === "symbol") return { path, kind: describeUnsupported(value) };
    return undefined;
  }
  if (ancestors.has(value)) {
    return { path, kind: "a circular reference to one of its own ancestors" };
  }
  ancestors.add(value);
  const found = walkChildren(value, path, ancestors);
  ancestors.delete(value);
  return found;
}

function walkChildren(
  value: object,
  path: string,
  ancestors: Set<object>,
): UnsupportedValue | undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = walk(value[i], `${path}[${i}]`, ancestors);
      if (found) return found;
    }
    return undefined;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record).sort()) {
      const found = walk(record[key], childPath(path, key), ancestors);
      if (found) return found;
    }
    return undefined;
  }
  if (!specialPrototypes.includes(proto)) return { path, kind: describeUnsupported(value) };
  return walkCollection(value, path, ancestors);
}

function walkCollection(
  value: object,
  path: string,
  ancestors: Set<object>,
): UnsupportedValue | undefined {
  if (value instanceof Map) {
    let i = 0;
    for (const [k, v] of value) {
      const found =
        walk(k, `${path}.<map key #${i}>`, ancestors) ??
        walk(v, `${path}.get(${describeKey(k)})`, ancestors);
      if (found) return found;
      i++;
    }
  } else if (value instanceof Set) {
    let i = 0;
    for (const item of value) {
      const found = walk(item, `${path}.<set item #${i}>`, ancestors);
      if (found) return found;
      i++;
    }
  }
  return undefined;
}

function childPath(path: string, key: string): string {
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function describeKey(key: unknown): string {
  if (typeof key === "string") return JSON.stringify(key);
  if (typeof key === "number" || typeof key === "boolean" || key === null) return String(key);
  return `<${typeof key}>`;
}

/** Describes a value `encode` rejects, for error messages. Pure. */
export function describeUnsupported(value: unknown): string {
  if (typeof value === "function") {
    return value.name
      ? `a function (named ${JSON.stringify(value.name)})`
      : "an anonymous function";
  }
  if (typeof value === "symbol") return `a symbol (${String(value)})`;
  if (typeof value !== "object" || value === null) return `a ${typeof value}`;
  const proto: unknown = Object.getPrototypeOf(value);
  const ctor = (proto as { constructor?: { name?: unknown } } | null)?.constructor;
  const name = typeof ctor?.name === "string" && ctor.name !== "" ? ctor.name : undefined;
  if (name === undefined) return "an object with a custom prototype";
  return `an instance of class ${name}`;
}
