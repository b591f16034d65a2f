import type { ChannelSpec } from "../channels/channel.ts";
import { InvalidGraphError } from "../errors.ts";
import {
  Annotation,
  AnnotationRoot,
  type ChannelAnnotation,
  type StateDefinition,
} from "./annotation.ts";
import { type SchemaField, StateSchema, stateSchemaFields } from "./state-schema.ts";
import { channelForZodField, isZodObject, type ZodObjectLike } from "./zod.ts";

/** A field's check: the value to write, or an InvalidUpdateError naming `where`. */
export type FieldCheck = SchemaField["validate"];

/**
 * Any accepted description of state: a StateSchema, an Annotation root, a zod object, or a raw
 * definition.
 */
export type SchemaLike =
  | StateSchema
  | AnnotationRoot<StateDefinition>
  | ZodObjectLike
  | StateDefinition;

/** The channels a schema declares, in declaration order. */
export interface SchemaChannels {
  keys: string[];
  channels: Map<string, ChannelSpec>;
  /** Present for zod schemas, to validate graph input. */
  zod?: ZodObjectLike;
  /** Present for a StateSchema: each field's check, applied to input and node updates. */
  checks?: Map<string, FieldCheck>;
}

function isAnnotation(value: unknown): value is ChannelAnnotation {
  return typeof (value as { createChannel?: unknown })?.createChannel === "function";
}

function isDefinition(value: unknown): value is StateDefinition {
  if (typeof value !== "object" || value === null) return false;
  const entries = Object.values(value);
  return entries.length > 0 && entries.every((v) => v === Annotation || isAnnotation(v));
}

/** Whether `value` can describe state. Pure. */
export function isSchemaLike(value: unknown): value is SchemaLike {
  return (
    StateSchema.isInstance(value) ||
    value instanceof AnnotationRoot ||
    isZodObject(value) ||
    isDefinition(value)
  );
}

/** Reads the channels a schema declares. Throws InvalidGraphError for anything else. */
export function readSchema(schema: unknown, role: string): SchemaChannels {
  if (StateSchema.isInstance(schema)) return fromStateSchema(schema);
  if (schema instanceof AnnotationRoot) return fromDefinition(schema.spec);
  if (isZodObject(schema)) {
    const channels = new Map<string, ChannelSpec>();
    for (const [key, field] of Object.entries(schema.shape))
      channels.set(key, channelForZodField(field));
    return { keys: [...channels.keys()], channels, zod: schema };
  }
  if (isDefinition(schema)) return fromDefinition(schema);
  throw new InvalidGraphError(
    `Invalid ${role} schema: got ${describe(schema)}. Pass new StateSchema({...}), Annotation.Root({...}), a zod object (z.object({...})), ` +
      "or { state, input?, output? } made of those.",
    "INVALID_SCHEMA",
  );
}

function fromStateSchema(schema: StateSchema): SchemaChannels {
  const channels = new Map<string, ChannelSpec>();
  const checks = new Map<string, FieldCheck>();
  for (const [key, field] of stateSchemaFields(schema)) {
    channels.set(key, field.channel);
    checks.set(key, field.validate);
  }
  return { keys: [...channels.keys()], channels, checks };
}

function fromDefinition(spec: StateDefinition): SchemaChannels {
  const channels = new Map<string, ChannelSpec>();
  for (const [key, declared] of Object.entries(spec))
    channels.set(key, resolveAnnotation(key, declared).createChannel());
  return { keys: [...channels.keys()], channels };
}

/** A key's annotation; a function (`key: Annotation<string>`) is called for it, as LangGraph does. */
function resolveAnnotation(key: string, declared: unknown): ChannelAnnotation {
  const annotation = typeof declared === "function" ? (declared as () => unknown)() : declared;
  if (isAnnotation(annotation)) return annotation;
  throw new InvalidGraphError(
    `State key "${key}" is declared as ${describe(annotation)}, which is not an annotation. Declare it as Annotation<T>(), Annotation<T>({ reducer, default }), or Annotation<T>.`,
    "INVALID_SCHEMA",
  );
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return `${typeof value} ${String(value)}`;
  const keys = Object.keys(value);
  return `an object with keys [${keys.slice(0, 8).join(", ")}${keys.length > 8 ? ", ..." : ""}]`;
}

/** The schemas a StateGraph was built from. */
export interface GraphSchemas {
  state: SchemaChannels;
  input: SchemaChannels;
  output: SchemaChannels;
}

/**
 * Reads the StateGraph constructor argument: a schema, or `{ state | stateSchema, input, output }`
 * (LangGraph's forms).
 */
export function readGraphSchemas(arg: unknown): GraphSchemas {
  const parts = graphSchemaParts(arg);
  if (parts === undefined) {
    throw new InvalidGraphError(
      `new StateGraph(...) needs a state schema, got ${describe(arg)}. Pass Annotation.Root({...}) or z.object({...}).`,
      "INVALID_SCHEMA",
    );
  }
  const state = readSchema(parts.state, "state");
  const input = parts.input !== undefined ? readSchema(parts.input, "input") : state;
  const output = parts.output !== undefined ? readSchema(parts.output, "output") : state;
  return { state, input, output };
}

/**
 * The state, input and output schemas a `StateGraph` argument names, unread: one schema for
 * all three, or LangGraph's `{ state | stateSchema | channels, input?, output? }` (input and
 * output undefined when they default to the state). Undefined when it names no state. Pure.
 */
export function graphSchemaParts(
  arg: unknown,
): { state: unknown; input?: unknown; output?: unknown } | undefined {
  if (isSchemaLike(arg)) return { state: arg };
  const opts = (arg ?? {}) as {
    state?: unknown;
    stateSchema?: unknown;
    input?: unknown;
    output?: unknown;
    channels?: unknown;
  };
  const state = opts.state ?? opts.stateSchema ?? opts.channels ?? opts.input;
  if (state === undefined) return undefined;
  return { state, input: opts.input, output: opts.output };
}
