/**
 * JSON Schemas of a graph's state, input and output, for LangGraph Platform's
 * `GET /assistants/{id}/schemas` (what Studio and the SDK's `assistants.getSchemas` read).
 *
 * Decision: a schema with type information describes itself. A StateSchema field or a zod
 * object gives its JSON Schema through Standard Schema's `~standard.jsonSchema` (zod >= 4.2;
 * LangGraph reads the same interface), with a ReducedValue's `jsonSchemaExtra` merged in. An
 * `Annotation.Root` carries no types at run time, so its keys are listed with an empty
 * (any-value) schema rather than invented ones.
 */
import { AnnotationRoot } from "./annotation.ts";
import { graphSchemaParts } from "./schema.ts";
import {
  DeltaValue,
  defaultOf,
  isStandardSchema,
  ReducedValue,
  type StandardSchemaLike,
  StateSchema,
  UntrackedValue,
} from "./state-schema.ts";
import { isZodObject } from "./zod.ts";

export type JsonSchema = Record<string, unknown>;

/** The JSON Schemas of a graph's state, input, output and context (null when it has none). */
export interface GraphJsonSchemas {
  state: JsonSchema | null;
  input: JsonSchema | null;
  output: JsonSchema | null;
  context: JsonSchema | null;
}

/**
 * The schemas of a compiled graph (or of its builder's schema argument). A graph with no
 * declared state (the functional API) has none. Pure.
 */
export function graphJsonSchemas(graph: { builder?: unknown }): GraphJsonSchemas {
  const builder = graph.builder as { schema?: unknown; contextSchema?: unknown } | undefined;
  const context = jsonSchemaOf(builder?.contextSchema) ?? null;
  const parts = graphSchemaParts(builder?.schema);
  if (parts === undefined) return { state: null, input: null, output: null, context };
  const state = jsonSchemaOf(parts.state);
  return {
    state: state ?? null,
    input: (parts.input === undefined ? state : jsonSchemaOf(parts.input)) ?? null,
    output: (parts.output === undefined ? state : jsonSchemaOf(parts.output)) ?? null,
    context,
  };
}

function jsonSchemaOf(schema: unknown): JsonSchema | undefined {
  if (StateSchema.isInstance(schema)) return ofStateSchema(schema);
  if (schema instanceof AnnotationRoot) return keysOnly(Object.keys(schema.spec));
  if (isZodObject(schema)) return standardJson(schema) ?? keysOnly(Object.keys(schema.shape));
  return undefined;
}

function ofStateSchema(schema: StateSchema): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [key, field] of Object.entries(schema.fields)) {
    if (UntrackedValue.isInstance(field)) continue;
    const reduced = ReducedValue.isInstance(field) || DeltaValue.isInstance(field);
    const value = reduced ? field.valueSchema : (field as StandardSchemaLike);
    const extra = reduced ? field.jsonSchemaExtra : undefined;
    properties[key] = { ...(isStandardSchema(value) ? (standardJson(value) ?? {}) : {}), ...extra };
    if (!isStandardSchema(value) || defaultOf(value) === undefined) required.push(key);
  }
  return { type: "object", properties, ...(required.length > 0 ? { required } : {}) };
}

function keysOnly(keys: string[]): JsonSchema {
  return { type: "object", properties: Object.fromEntries(keys.map((key) => [key, {}])) };
}

/** A schema's own JSON Schema (draft-07, as LangGraph asks for), or none when it has no such. */
function standardJson(schema: unknown): JsonSchema | undefined {
  const standard = (schema as { "~standard"?: { jsonSchema?: { input?: unknown } } })["~standard"];
  const input = standard?.jsonSchema?.input;
  if (typeof input !== "function") return undefined;
  try {
    const json = { ...(input({ target: "draft-07" }) as JsonSchema) };
    delete json.$schema;
    return json;
  } catch {
    // Some types (functions, custom checks) have no JSON Schema: describe them as any value.
    return undefined;
  }
}
