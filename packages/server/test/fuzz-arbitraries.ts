/**
 * JSON Schema to fast-check, for the OpenAPI fuzz test. It covers the subset of JSON Schema
 * 2020-12 that zod's `toJSONSchema` emits (type, enum, const, anyOf/oneOf, properties/required,
 * additionalProperties, items/prefixItems, length and range bounds, patterns, the uri and
 * date-time formats) and gives two things:
 * - `validOf(schema)`: values that satisfy the schema, with `Hints` overriding named fields (ids
 *   that exist, a webhook that goes nowhere), so valid-looking requests reach the handlers;
 * - `slotsOf(schema)` and `mutantAt(schema, slot, leaf)`: a valid value with exactly one place
 *   (a slot) replaced by a mutation (`wrongTypeOf`, `HUGE`, `UNICODE`, `NEGATIVE`) or removed
 *   (`OMIT`), so the test knows which field a rejection has to name.
 */
import fc from "fast-check";

/** The JSON Schema keywords this module reads. */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema | false;
  prefixItems?: JsonSchema[];
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  format?: string;
  pattern?: string;
}

/** Returns the arbitrary for a property of that name, or undefined to follow the schema. */
export type Hints = (name: string) => fc.Arbitrary<unknown> | undefined;

/** A place in a value: its path from the root, its schema and whether its parent requires it. */
export interface Slot {
  path: string[];
  schema: JsonSchema;
  required: boolean;
}

/** Marks a slot whose key is left out of its object. */
export const OMIT: unique symbol = Symbol("omit");

const MAX_DEPTH = 5;
const noHints: Hints = () => undefined;

/** The alternatives of a schema: anyOf/oneOf flattened, and `type: [a, b]` split. Pure. */
export function branchesOf(schema: JsonSchema): JsonSchema[] {
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return union.flatMap(branchesOf);
  if (Array.isArray(schema.type)) return schema.type.map((type) => ({ ...schema, type }));
  return [schema];
}

/** Whether the schema accepts any JSON value (`{}`). Pure. */
export function isAny(schema: JsonSchema): boolean {
  return branchesOf(schema).some(
    (b) => b.type === undefined && b.enum === undefined && b.const === undefined,
  );
}

/** The JSON types a schema accepts: string, integer, number, boolean, null, array, object. */
export function typesOf(schema: JsonSchema): Set<string> {
  const types = new Set<string>();
  for (const branch of branchesOf(schema)) {
    const values = branch.enum ?? ("const" in branch ? [branch.const] : undefined);
    if (typeof branch.type === "string") types.add(branch.type);
    else for (const value of values ?? []) types.add(jsonType(value));
  }
  if (types.has("number")) types.add("integer");
  return types;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** Whether `value` satisfies `schema` (the keywords above; formats are not checked). Pure. */
export function conforms(schema: JsonSchema, value: unknown): boolean {
  const branches = branchesOf(schema);
  if (branches.length > 1) return branches.some((b) => conforms(b, value));
  if ("const" in schema) return JSON.stringify(schema.const) === JSON.stringify(value);
  if (schema.enum) return schema.enum.includes(value);
  if (schema.type === undefined) return true;
  const type = jsonType(value);
  if (type !== schema.type && !(schema.type === "number" && type === "integer")) return false;
  if (typeof value === "string")
    return (
      lengthOk(schema.minLength, schema.maxLength, value.length) &&
      (schema.pattern === undefined || new RegExp(schema.pattern, "u").test(value))
    );
  if (typeof value === "number") return numberOk(schema, value);
  if (Array.isArray(value)) return arrayOk(schema, value);
  if (type === "object") return objectOk(schema, value as Record<string, unknown>);
  return true;
}

function lengthOk(min = 0, max = Number.POSITIVE_INFINITY, length: number): boolean {
  return length >= min && length <= max;
}

function numberOk(schema: JsonSchema, n: number): boolean {
  return (
    (schema.minimum === undefined || n >= schema.minimum) &&
    (schema.maximum === undefined || n <= schema.maximum) &&
    (schema.exclusiveMinimum === undefined || n > schema.exclusiveMinimum) &&
    (schema.exclusiveMaximum === undefined || n < schema.exclusiveMaximum)
  );
}

function arrayOk(schema: JsonSchema, items: unknown[]): boolean {
  if (!lengthOk(schema.minItems, schema.maxItems, items.length)) return false;
  const prefix = schema.prefixItems ?? [];
  return items.every((item, i) => {
    const itemSchema = prefix[i] ?? schema.items;
    return itemSchema === false ? false : conforms(itemSchema ?? {}, item);
  });
}

function objectOk(schema: JsonSchema, object: Record<string, unknown>): boolean {
  if ((schema.required ?? []).some((name) => object[name] === undefined)) return false;
  return Object.entries(object).every(([name, item]) => {
    if (item === undefined) return true;
    const property = schema.properties?.[name];
    if (property) return conforms(property, item);
    const extra = schema.additionalProperties;
    return extra === undefined || extra === true || (extra !== false && conforms(extra, item));
  });
}

/** Values that satisfy `schema`; `hints` replace the schema of properties by name. */
export function validOf(
  schema: JsonSchema,
  hints: Hints = noHints,
  depth = 0,
): fc.Arbitrary<unknown> {
  const branches = branchesOf(schema);
  if (branches.length > 1) return fc.oneof(...branches.map((b) => validOf(b, hints, depth)));
  if ("const" in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case "null":
      return fc.constant(null);
    case "boolean":
      return fc.boolean();
    case "integer":
      return fc.integer(integerRange(schema));
    case "number":
      return fc.double({ ...numberRange(schema), noNaN: true, noDefaultInfinity: true });
    case "string":
      return stringOf(schema);
    case "array":
      return arrayOf(schema, hints, depth);
    case "object":
      return objectOf(schema, hints, depth);
    default:
      return depth >= MAX_DEPTH ? fc.constant({}) : fc.jsonValue({ maxDepth: 2 }).map(unpoisoned);
  }
}

function integerRange(schema: JsonSchema): { min: number; max: number } {
  const min = schema.minimum ?? (schema.exclusiveMinimum ?? -1_000_001) + 1;
  const max = schema.maximum ?? (schema.exclusiveMaximum ?? 1_000_001) - 1;
  return { min: Math.max(min, -1_000_000), max: Math.min(max, 1_000_000) };
}

function numberRange(schema: JsonSchema) {
  return {
    min: Math.max(schema.minimum ?? schema.exclusiveMinimum ?? -1e6, -1e6),
    max: Math.min(schema.maximum ?? schema.exclusiveMaximum ?? 1e6, 1e6),
    minExcluded: schema.exclusiveMinimum !== undefined,
    maxExcluded: schema.exclusiveMaximum !== undefined,
  };
}

function stringOf(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.format === "uri") return fc.webUrl();
  if (schema.format === "date-time")
    return fc
      .date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true })
      .map((d) => d.toISOString());
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? 24, 24));
  if (schema.pattern)
    return fc
      .stringMatching(new RegExp(schema.pattern))
      .filter((s) => lengthOk(schema.minLength, schema.maxLength, s.length));
  return fc.oneof(
    fc.string({ minLength, maxLength }),
    fc.string({ unit: "grapheme", minLength, maxLength }),
  );
}

function arrayOf(schema: JsonSchema, hints: Hints, depth: number): fc.Arbitrary<unknown[]> {
  if (schema.prefixItems)
    return fc.tuple(...schema.prefixItems.map((item) => validOf(item, hints, depth + 1)));
  const minLength = schema.minItems ?? 0;
  const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? 3, depth >= MAX_DEPTH ? 0 : 3));
  const items = schema.items === false || !schema.items ? {} : schema.items;
  return fc.array(validOf(items, hints, depth + 1), { minLength, maxLength });
}

function objectOf(
  schema: JsonSchema,
  hints: Hints,
  depth: number,
  leave?: string,
): fc.Arbitrary<Record<string, unknown>> {
  const properties = Object.entries(schema.properties ?? {}).filter(([name]) => name !== leave);
  if (properties.length === 0 && typeof schema.additionalProperties === "object") {
    const values = validOf(schema.additionalProperties, hints, depth + 1);
    const maxKeys = depth >= MAX_DEPTH ? 0 : 3;
    const keys = fc.string({ minLength: 1, maxLength: 8 });
    return fc.dictionary(keys, values, { maxKeys }).map((d) => unpoisoned(d) as typeof d);
  }
  const model = Object.fromEntries(
    properties.map(([name, property]) => [
      name,
      hints(name) ?? validOf(property, hints, depth + 1),
    ]),
  );
  const requiredKeys = (schema.required ?? []).filter((name) => name !== leave);
  return fc.record(model, { requiredKeys });
}

// fast-check likes these keys; the server refuses them while parsing (before validation), so
// valid-looking values leave them out and the extra-fields kind sends them on purpose.
const poisoned = (key: string, value: unknown) =>
  key === "__proto__" ||
  (key === "constructor" && typeof value === "object" && value !== null && "prototype" in value);

/** `value` without `__proto__` keys, or `constructor` keys holding a prototype, at any depth. */
export function unpoisoned(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unpoisoned);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, item]) => !poisoned(key, item))
      .map(([key, item]) => [key, unpoisoned(item)]),
  );
}

/** Every place of a value of `schema` a mutation can target, the root included. Pure. */
export function slotsOf(schema: JsonSchema, path: string[] = [], required = true): Slot[] {
  const slots: Slot[] = [{ path, schema, required }];
  if (path.length >= 4) return slots;
  for (const branch of branchesOf(schema)) {
    if (branch.type === "object")
      for (const [name, property] of Object.entries(branch.properties ?? {}))
        slots.push(...slotsOf(property, [...path, name], (branch.required ?? []).includes(name)));
    if (branch.type === "array" && !branch.prefixItems && branch.items)
      slots.push(...slotsOf(branch.items, [...path, "0"], false));
  }
  return slots;
}

/**
 * A valid value of `schema` except at `path`, which holds `leaf` (or is left out, for `OMIT`).
 * Each container on the way is generated from the schema branch that can hold the next step.
 */
export function mutantAt(
  schema: JsonSchema,
  path: string[],
  leaf: fc.Arbitrary<unknown> | typeof OMIT,
  hints: Hints = noHints,
): fc.Arbitrary<unknown> {
  const [step, ...rest] = path;
  if (step === undefined) return leaf === OMIT ? fc.constant(undefined) : leaf;
  const branches = branchesOf(schema);
  const array = branches.find((b) => b.type === "array" && b.items && /^\d+$/.test(step));
  if (array?.items) {
    const items = array.items;
    return fc
      .tuple(
        mutantAt(items, rest, leaf, hints),
        fc.array(validOf(items, hints, 1), { maxLength: 1 }),
      )
      .map(([first, more]) => [first, ...more]);
  }
  const object = branches.find((b) => b.type === "object" && b.properties?.[step]);
  const property = object?.properties?.[step];
  if (!object || !property) throw new Error(`no slot ${path.join(".")} in the schema`);
  const others = objectOf(object, hints, 1, step);
  if (leaf === OMIT && rest.length === 0) return others;
  return fc
    .tuple(others, mutantAt(property, rest, leaf, hints))
    .map(([value, child]) => ({ ...value, [step]: child }));
}

/**
 * Values of a JSON type the slot does not accept (a string for a number, 1.5 for an integer,
 * a name outside an enum...), or undefined when the slot accepts anything.
 */
export function wrongTypeOf(schema: JsonSchema): fc.Arbitrary<unknown> | undefined {
  if (isAny(schema)) return undefined;
  const types = typesOf(schema);
  const candidates: unknown[] = [];
  const strings = branchesOf(schema).filter((b) => b.type === "string");
  if (!types.has("string")) candidates.push("not-a-value", "");
  else if (strings.every((b) => b.enum || "const" in b || b.format || b.pattern))
    candidates.push("zz bogus!");
  if (!types.has("integer")) candidates.push(42, -7);
  else if (!types.has("number")) candidates.push(1.5);
  if (!types.has("boolean")) candidates.push(true);
  if (!types.has("null")) candidates.push(null);
  if (!types.has("array")) candidates.push([1, "two"]);
  if (!types.has("object")) candidates.push({ zz: 1 });
  return candidates.length > 0 ? fc.constantFrom(...candidates) : undefined;
}

/** `text` with each lone surrogate replaced by U+FFFD, as a URL carries it. Pure. */
export function wellFormed(text: string): string {
  return text.replace(
    /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    "\ufffd",
  );
}

/** Huge strings: long runs of ASCII, of multi-byte text and of one repeated emoji. */
export const HUGE: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(3_000, 60_000, 600_000), fc.constantFrom("x", "ünïcødé ", "🦜"))
  .map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length)));

/** Huge strings short enough for a URL (Node refuses request heads over 16 KiB itself). */
export const HUGE_IN_URL: fc.Arbitrary<string> = fc
  .constantFrom(257, 1_000, 3_000)
  .map((length) => "y".repeat(length));

/** Awkward text: control characters, lone surrogates, RTL overrides, combining marks, emoji. */
export const UNICODE: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "\u0000",
    "nul\u0000in the middle",
    "\ud800",
    "lone \udfff surrogate",
    "\u202eevil\u202c",
    "e\u0301\u0301\u0301",
    "🏳️‍🌈👩‍👩‍👧‍👦",
    "\ufeffbom",
    "ﷺ𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "../../etc/passwd",
    "%2e%2e%2f%00",
    "'; DROP TABLE runs; --",
    "$" + "{jndi:ldap://x}",
    "__proto__",
    "constructor",
  ),
  fc.string({ unit: "binary", minLength: 1, maxLength: 40 }),
);

/** Negative, fractional and out-of-range numbers. */
export const NEGATIVE: fc.Arbitrary<number> = fc.constantFrom(
  -1,
  -0.5,
  -1e308,
  Number.MIN_SAFE_INTEGER,
  -(2 ** 63),
  0,
  2 ** 53 + 2,
  1e308,
);
