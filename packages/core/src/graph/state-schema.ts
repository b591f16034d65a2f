/**
 * `StateSchema`, LangGraph.js's current way to declare state: each field is a Standard Schema
 * (zod, valibot, arktype, ...) holding the last value written, or a `ReducedValue` folding its
 * writes through a reducer. Graph input and node updates are validated field by field with the
 * field's schema, and the validated (coerced) value is what is written, as LangGraph does.
 *
 * Decision: Conclave's checkpoints already store reducer keys as deltas, so `DeltaValue` (a
 * LangGraph beta whose reducer takes a step's writes as a list) is a reducer key here, applied
 * one write at a time. `UntrackedValue` (never checkpointed) is refused with a clear error: every
 * Conclave channel is checkpointed.
 */
import type { ChannelSpec } from "../channels/channel.ts";
import { lastValue } from "../channels/last-value.ts";
import { isOverwrite, type Overwrite } from "../channels/overwrite.ts";
import { type Reducer, reducerChannel } from "../channels/reducer.ts";
import { InvalidGraphError, InvalidUpdateError } from "../errors.ts";

/** The Standard Schema interface (standardschema.dev) that every field schema implements. */
export interface StandardSchemaLike<Input = unknown, Output = Input> {
  readonly "~standard": {
    readonly version: number;
    readonly vendor: string;
    validate(value: unknown): StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output };
  };
}

type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly { readonly message: string; readonly path?: unknown }[] };

const REDUCED = Symbol.for("langgraph.state.reduced_value");
const DELTA = Symbol.for("langgraph.state.delta_value");
const UNTRACKED = Symbol.for("langgraph.state.untracked_value");
const STATE_SCHEMA = Symbol.for("langgraph.state.state_schema");

/** What ReducedValue and DeltaValue take besides their reducer. */
interface ValueInit<Input> {
  inputSchema?: StandardSchemaLike<unknown, Input>;
  jsonSchemaExtra?: Record<string, unknown>;
}

/** The schemas of a reducer field: its value's (whose default seeds it) and its writes'. */
abstract class SchemaValue<Value, Input> {
  readonly valueSchema: StandardSchemaLike<unknown, Value>;
  readonly inputSchema: StandardSchemaLike<unknown, Input | Value>;
  readonly jsonSchemaExtra?: Record<string, unknown>;
  declare ValueType: Value;
  declare InputType: Input;
  constructor(valueSchema: StandardSchemaLike<unknown, Value>, init: ValueInit<Input>) {
    this.valueSchema = valueSchema;
    this.inputSchema = init.inputSchema ?? valueSchema;
    if (init.jsonSchemaExtra) this.jsonSchemaExtra = init.jsonSchemaExtra;
  }
}

/** A field whose writes are folded in with `reducer`. */
export class ReducedValue<Value = unknown, Input = Value> extends SchemaValue<Value, Input> {
  readonly [REDUCED] = true;
  readonly reducer: (current: Value, next: Input) => Value;
  constructor(
    valueSchema: StandardSchemaLike<unknown, Value>,
    init: ValueInit<Input> & { reducer: (current: Value, next: Input) => Value },
  ) {
    super(valueSchema, init);
    this.reducer = init.reducer;
  }
  static isInstance(value: unknown): value is ReducedValue {
    return hasMarker(value, REDUCED);
  }
}

/** LangGraph's beta delta-stored reducer field; its reducer takes a list of writes. */
export class DeltaValue<Value = unknown, Input = Value> extends SchemaValue<Value, Input> {
  readonly [DELTA] = true;
  readonly reducer: (current: Value, writes: Input[]) => Value;
  constructor(
    valueSchema: StandardSchemaLike<unknown, Value>,
    init: ValueInit<Input> & {
      reducer: (current: Value, writes: Input[]) => Value;
      snapshotFrequency?: number;
    },
  ) {
    super(valueSchema, init);
    this.reducer = init.reducer;
  }
  static isInstance(value: unknown): value is DeltaValue {
    return hasMarker(value, DELTA);
  }
}

/** A field LangGraph keeps out of checkpoints. Conclave refuses it when the graph is built. */
export class UntrackedValue<Value = unknown> {
  readonly [UNTRACKED] = true;
  readonly schema?: StandardSchemaLike<unknown, Value>;
  readonly guard: boolean;
  declare ValueType: Value;
  constructor(schema?: StandardSchemaLike<unknown, Value>, init: { guard?: boolean } = {}) {
    if (schema) this.schema = schema;
    this.guard = init.guard ?? true;
  }
  static isInstance(value: unknown): value is UntrackedValue {
    return hasMarker(value, UNTRACKED);
  }
}

/** Any field a StateSchema accepts. */
export type StateSchemaField =
  // biome-ignore lint/suspicious/noExplicitAny: field value types are inferred per key.
  | ReducedValue<any, any>
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  | DeltaValue<any, any>
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  | UntrackedValue<any>
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  | StandardSchemaLike<any, any>;

export type StateSchemaFields = Record<string, StateSchemaField>;

/** The state a node reads for a StateSchema's fields. */
export type StateSchemaValue<F extends StateSchemaFields> = {
  // biome-ignore lint/suspicious/noExplicitAny: the input type is irrelevant here, and `unknown` would not match a reducer's parameter.
  [K in keyof F]: F[K] extends ReducedValue<infer V, any>
    ? V
    : // biome-ignore lint/suspicious/noExplicitAny: as above.
      F[K] extends DeltaValue<infer V, any>
      ? V
      : F[K] extends UntrackedValue<infer V>
        ? V
        : F[K] extends StandardSchemaLike<unknown, infer O>
          ? O
          : never;
};

/** The partial update a node may return for a StateSchema's fields. */
export type StateSchemaUpdate<F extends StateSchemaFields> = {
  [K in keyof F]?: F[K] extends ReducedValue<infer V, infer I>
    ? I | Overwrite<V>
    : F[K] extends DeltaValue<infer V, infer I>
      ? I | Overwrite<V>
      : F[K] extends UntrackedValue<infer V>
        ? V
        : F[K] extends StandardSchemaLike<infer In, unknown>
          ? In
          : never;
};

/**
 * Declares graph state from Standard Schema fields and `ReducedValue`s, as LangGraph.js does.
 * @example
 * const State = new StateSchema({
 *   messages: MessagesValue,
 *   topic: z.string(),
 *   count: z.number().default(0),
 *   notes: new ReducedValue(z.array(z.string()).default(() => []), {
 *     inputSchema: z.string(),
 *     reducer: (notes, note) => [...notes, note],
 *   }),
 * });
 * const graph = new StateGraph(State);
 */
export class StateSchema<F extends StateSchemaFields = StateSchemaFields> {
  readonly [STATE_SCHEMA] = true;
  readonly fields: F;
  declare State: StateSchemaValue<F>;
  declare Update: StateSchemaUpdate<F>;
  constructor(fields: F) {
    this.fields = fields;
  }
  /** The field names, in declaration order. */
  getChannelKeys(): string[] {
    return Object.keys(this.fields);
  }
  static isInstance(value: unknown): value is StateSchema {
    return hasMarker(value, STATE_SCHEMA);
  }
}

function hasMarker(value: unknown, marker: symbol): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[marker] === true
  );
}

/** Whether `value` implements Standard Schema. Pure. */
export function isStandardSchema(value: unknown): value is StandardSchemaLike {
  const standard = (value as { "~standard"?: { validate?: unknown } } | null)?.["~standard"];
  return typeof standard?.validate === "function";
}

/** A field's channel and the check its writes go through. */
export interface SchemaField {
  channel: ChannelSpec;
  /** Returns the validated value to write, or throws InvalidUpdateError. */
  validate(value: unknown, where: string): unknown;
}

/** The channels and checks of a StateSchema. @throws InvalidGraphError for a bad field. */
export function stateSchemaFields(schema: StateSchema): Map<string, SchemaField> {
  const fields = new Map<string, SchemaField>();
  for (const [key, field] of Object.entries(schema.fields)) fields.set(key, fieldOf(key, field));
  return fields;
}

function fieldOf(key: string, field: unknown): SchemaField {
  if (ReducedValue.isInstance(field) || DeltaValue.isInstance(field)) {
    const reducer: Reducer = ReducedValue.isInstance(field)
      ? (field.reducer as Reducer)
      : (current, next) => (field as DeltaValue).reducer(current, [next]);
    return {
      channel: reducerChannel(reducer, defaultOf(field.valueSchema)),
      // An Overwrite is not a reducer input: it replaces the value, and is written as it is.
      validate: (value, where) =>
        isOverwrite(value) ? value : checked(field.inputSchema, value, `${where} field "${key}"`),
    };
  }
  if (UntrackedValue.isInstance(field)) {
    throw new InvalidGraphError(
      `State field "${key}" is an UntrackedValue: Conclave checkpoints every state key, so it cannot keep one out. Keep per-process objects outside the state (in the node's closure or config.context), or declare the field with a schema.`,
      "INVALID_SCHEMA",
    );
  }
  if (isStandardSchema(field)) {
    const initial = defaultOf(field);
    return {
      channel: initial ? reducerChannel((_a, b) => b, initial) : lastValue(),
      validate: (value, where) => checked(field, value, `${where} field "${key}"`),
    };
  }
  throw new InvalidGraphError(
    `State field "${key}" of a StateSchema is not a schema: declare it as a Standard Schema (e.g. z.string()), a ReducedValue, or MessagesValue.`,
    "INVALID_SCHEMA",
  );
}

/** The default a schema gives `undefined`, made fresh each time; none when it refuses it. */
export function defaultOf(schema: StandardSchemaLike): (() => unknown) | undefined {
  const probe = syncResult(schema, undefined);
  if (probe === undefined || probe.issues) return undefined;
  return () => (syncResult(schema, undefined) as { value: unknown }).value;
}

function syncResult(schema: StandardSchemaLike, value: unknown) {
  try {
    const result = schema["~standard"].validate(value);
    return result instanceof Promise ? undefined : result;
  } catch {
    return undefined;
  }
}

function checked(schema: StandardSchemaLike, value: unknown, what: string): unknown {
  const result = schema["~standard"].validate(value);
  if (result instanceof Promise) {
    throw new InvalidUpdateError(
      `${what} has an asynchronous schema; Conclave validates state synchronously. Use a schema without async refinements.`,
      "INVALID_SCHEMA",
    );
  }
  if (!result.issues) return result.value;
  const issues = result.issues.map((issue) => issue.message).join("; ");
  throw new InvalidUpdateError(
    `${what} is invalid: ${issues}. Got ${preview(value)}; write a value the field's schema accepts.`,
    "INVALID_UPDATE",
  );
}

function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
