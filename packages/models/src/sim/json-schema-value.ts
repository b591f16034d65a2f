/**
 * A small JSON-Schema value generator: given a schema and seeded randomness, returns a value the
 * schema accepts. Covers what structured outputs and tool inputs use in practice: object (with
 * `required`), array (`minItems`/`maxItems`), string (`minLength`/`maxLength`, `enum`, common
 * `format`s), number and integer (`minimum`/`maximum`, exclusive bounds, `multipleOf`), boolean,
 * null, `const`, `enum`, `anyOf`/`oneOf`/`allOf`, type unions and local `$ref`s. Not covered:
 * `pattern`, `uniqueItems`, `not`, `if/then/else`, `dependentSchemas`.
 *
 * Routing-style enums (a string enum that holds a finish option such as FINISH or END, or a
 * property named like `next`/`route`) prefer options not yet visited in the conversation, and
 * pick the finish option once every other option was visited.
 */
import type { JSONSchema7, JSONSchema7Definition } from "@ai-sdk/provider";
import type { SeededRandom } from "./seeded-random.ts";

/** What the conversation tells the generator. */
export interface SchemaHints {
  /** Words to build strings from (taken from the conversation). */
  readonly words: readonly string[];
  /** Lower-cased words that appeared in assistant and tool messages: visited routes. */
  readonly visited: ReadonlySet<string>;
}

const FINISH = /^(finish|finished|end|__end__|done|stop|complete|completed|final|exit)$/i;
const ROUTE_PROPERTY =
  /^(next|route|goto|destination|next_?(agent|step|node|worker)|agent|worker)$/i;
const MAX_DEPTH = 8;

/** Generates a value valid against `schema`. Deterministic for a given `random` state. Pure. */
export function sampleJsonSchema(
  schema: JSONSchema7Definition,
  random: SeededRandom,
  hints: SchemaHints,
): unknown {
  return sample(schema, { random, hints, root: schema, depth: 0, property: undefined });
}

interface Context {
  random: SeededRandom;
  hints: SchemaHints;
  root: JSONSchema7Definition;
  depth: number;
  property: string | undefined;
}

function sample(definition: JSONSchema7Definition, ctx: Context): unknown {
  if (definition === true)
    return ctx.random.pick(ctx.hints.words.length ? ctx.hints.words : ["ok"]);
  if (definition === false) return null;
  const schema = resolveRef(definition, ctx.root);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum && schema.enum.length > 0) return pickEnum(schema.enum, ctx);
  if (schema.allOf) return sample(mergeAll(schema), ctx);
  if (schema.anyOf?.length) return sample(ctx.random.pick(nonNull(schema.anyOf)), ctx);
  if (schema.oneOf?.length) return sample(nonNull(schema.oneOf)[0]!, ctx);
  switch (typeOf(schema)) {
    case "object":
      return sampleObject(schema, ctx);
    case "array":
      return sampleArray(schema, ctx);
    case "integer":
      return sampleNumber(schema, ctx, true);
    case "number":
      return sampleNumber(schema, ctx, false);
    case "boolean":
      return ctx.random.next() < 0.5;
    case "null":
      return null;
    default:
      return sampleString(schema, ctx);
  }
}

function resolveRef(schema: JSONSchema7, root: JSONSchema7Definition): JSONSchema7 {
  let current: JSONSchema7Definition = schema;
  for (let hops = 0; typeof current === "object" && current.$ref && hops < 16; hops++) {
    const path = current.$ref.replace(/^#\/?/, "").split("/").filter(Boolean);
    let target: unknown = root;
    for (const segment of path) target = (target as Record<string, unknown> | undefined)?.[segment];
    current = (target as JSONSchema7Definition | undefined) ?? {};
  }
  return typeof current === "object" ? current : {};
}

function nonNull(options: JSONSchema7Definition[]): JSONSchema7Definition[] {
  const kept = options.filter((o) => !(typeof o === "object" && o.type === "null"));
  return kept.length > 0 ? kept : options;
}

function mergeAll(schema: JSONSchema7): JSONSchema7 {
  const { allOf = [], ...rest } = schema;
  const merged: JSONSchema7 = { ...rest, properties: { ...rest.properties } };
  const required = [...(rest.required ?? [])];
  for (const part of allOf) {
    if (typeof part !== "object") continue;
    Object.assign(merged, {
      ...part,
      properties: Object.assign(merged.properties!, part.properties),
    });
    required.push(...(part.required ?? []));
  }
  merged.required = required;
  return merged;
}

function typeOf(schema: JSONSchema7): string {
  const type = Array.isArray(schema.type)
    ? (schema.type.find((t) => t !== "null") ?? "null")
    : schema.type;
  if (type) return type;
  if (schema.properties) return "object";
  if (schema.items) return "array";
  return "string";
}

function pickEnum(options: readonly unknown[], ctx: Context): unknown {
  const strings = options.filter((o): o is string => typeof o === "string");
  const finish = strings.find((o) => FINISH.test(o));
  const routing =
    finish !== undefined || (ctx.property !== undefined && ROUTE_PROPERTY.test(ctx.property));
  if (!routing || strings.length !== options.length) return ctx.random.pick(options);
  const unvisited = strings.filter((o) => o !== finish && !ctx.hints.visited.has(o.toLowerCase()));
  if (unvisited.length > 0) return ctx.random.pick(unvisited);
  return finish ?? ctx.random.pick(strings);
}

function sampleObject(schema: JSONSchema7, ctx: Context): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  const required = new Set(schema.required ?? []);
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const include = required.has(name) || (ctx.depth < MAX_DEPTH && ctx.random.next() < 0.5);
    if (!include) continue;
    value[name] = sample(property, { ...ctx, depth: ctx.depth + 1, property: name });
  }
  return value;
}

function sampleArray(schema: JSONSchema7, ctx: Context): unknown[] {
  const min = schema.minItems ?? 0;
  const max = Math.max(min, Math.min(schema.maxItems ?? min + 3, min + 3));
  const length = ctx.depth >= MAX_DEPTH ? min : ctx.random.int(Math.max(min, max > 0 ? 1 : 0), max);
  const items = Array.isArray(schema.items) ? schema.items : undefined;
  return Array.from({ length }, (_, i) => {
    const item = items ? (items[i] ?? schema.additionalItems ?? true) : (schema.items ?? true);
    return sample(item as JSONSchema7Definition, { ...ctx, depth: ctx.depth + 1 });
  });
}

function sampleNumber(schema: JSONSchema7, ctx: Context, integer: boolean): number {
  const step = schema.multipleOf ?? (integer ? 1 : 0.01);
  let low =
    schema.minimum ??
    (typeof schema.exclusiveMinimum === "number" ? schema.exclusiveMinimum + step : 0);
  let high =
    schema.maximum ??
    (typeof schema.exclusiveMaximum === "number" ? schema.exclusiveMaximum - step : low + 100);
  if (high < low) high = low;
  low = Math.ceil(low / step);
  high = Math.floor(high / step);
  const steps = high >= low ? ctx.random.int(low, high) : low;
  const value = steps * step;
  return integer ? Math.round(value) : Number(value.toFixed(10));
}

const FORMATS: Record<string, (ctx: Context) => string> = {
  "date-time": (ctx) => new Date(Date.UTC(2026, 0, 1 + ctx.random.int(0, 364))).toISOString(),
  date: (ctx) => new Date(Date.UTC(2026, 0, 1 + ctx.random.int(0, 364))).toISOString().slice(0, 10),
  email: (ctx) => `${word(ctx)}@example.com`,
  uri: (ctx) => `https://example.com/${word(ctx)}`,
  url: (ctx) => `https://example.com/${word(ctx)}`,
  uuid: (ctx) =>
    Array.from({ length: 32 }, () => "0123456789abcdef"[ctx.random.int(0, 15)])
      .join("")
      .replace(/^(.{8})(.{4}).(.{3}).(.{3})(.{12})$/, "$1-$2-4$3-8$4-$5"),
};

function word(ctx: Context): string {
  const words = ctx.hints.words.filter((w) => /^[a-z0-9]+$/i.test(w));
  return (words.length > 0 ? ctx.random.pick(words) : "simulated").toLowerCase();
}

function sampleString(schema: JSONSchema7, ctx: Context): string {
  const format = schema.format && FORMATS[schema.format];
  if (format) return format(ctx);
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? Math.max(min, 80);
  const count = ctx.random.int(2, 6);
  let text = Array.from({ length: count }, () => word(ctx)).join(" ");
  while (text.length < min) text += ` ${word(ctx)}`;
  return text.slice(0, max).padEnd(min, "x");
}
