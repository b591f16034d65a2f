import type { ChannelSpec } from "../channels/channel.ts";
import { lastValue } from "../channels/last-value.ts";
import type { Overwrite } from "../channels/overwrite.ts";
import { type Reducer, reducerChannel } from "../channels/reducer.ts";

/**
 * A declared state key: how to build its channel, plus phantom types for the value a node reads
 * (`V`) and the update it may write (`U`).
 */
export interface ChannelAnnotation<V = unknown, U = V> {
  readonly __value?: V;
  readonly __update?: U;
  createChannel(): ChannelSpec;
  /** Present when the key has a default value. */
  readonly defaultValue?: () => V;
  readonly hasReducer: boolean;
}

/**
 * A declared state key: an annotation, or `Annotation` itself uncalled (`topic: Annotation<string>`),
 * LangGraph's short form for a key that holds the last value written.
 */
export type AnnotationLike<V = unknown, U = V> =
  | ChannelAnnotation<V, U>
  | (() => ChannelAnnotation<V, U>);

/** Keys to annotations: the shape given to `Annotation.Root`. */
export type StateDefinition = Record<string, AnnotationLike<unknown, unknown>>;

type ValueOf<A> =
  A extends ChannelAnnotation<infer V, unknown>
    ? V
    : A extends () => ChannelAnnotation<infer V, unknown>
      ? V
      : never;

type UpdateOf<A> =
  A extends ChannelAnnotation<infer V, infer U>
    ? U | Overwrite<V>
    : A extends () => ChannelAnnotation<infer V, infer U>
      ? U | Overwrite<V>
      : never;

/** The state a node reads for a definition. */
export type StateType<SD extends StateDefinition> = { [K in keyof SD]: ValueOf<SD[K]> };

/** The partial update a node may return for a definition. */
export type UpdateType<SD extends StateDefinition> = { [K in keyof SD]?: UpdateOf<SD[K]> };

/** The reducer form accepted by `Annotation`, matching LangGraph (`value` is its legacy name). */
export type ReducerSpec<V, U> =
  | { reducer: Reducer<V, U>; default?: () => V }
  | { value: Reducer<V, U>; default?: () => V }
  | { default: () => V; reducer?: undefined; value?: undefined };

/** A compiled `Annotation.Root(...)`: use `typeof Root.State` / `typeof Root.Update` as types. */
export class AnnotationRoot<SD extends StateDefinition> {
  readonly lc_graph_name = "AnnotationRoot";
  declare State: StateType<SD>;
  declare Update: UpdateType<SD>;
  declare Node: (state: StateType<SD>) => UpdateType<SD> | Promise<UpdateType<SD>>;
  readonly spec: SD;
  constructor(spec: SD) {
    this.spec = spec;
  }
}

function annotation<V, U = V>(spec?: ReducerSpec<V, U> | null): ChannelAnnotation<V, U> {
  const reducer = spec
    ? ((spec as { reducer?: Reducer<V, U> }).reducer ?? (spec as { value?: Reducer<V, U> }).value)
    : undefined;
  const initial = spec?.default;
  return {
    hasReducer: reducer !== undefined,
    defaultValue: initial,
    createChannel: () =>
      reducer
        ? reducerChannel(reducer as Reducer, initial)
        : initial
          ? reducerChannel((_a, b) => b, initial)
          : lastValue(),
  };
}

/**
 * Declares a state key. With no argument the key holds the last value written; with
 * `{ reducer, default }` every write is folded in through the reducer.
 *
 * @example
 * const State = Annotation.Root({
 *   topic: Annotation<string>(),
 *   notes: Annotation<string[], string | string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
 * });
 */
export const Annotation: (<V, U = V>(
  spec?: ReducerSpec<V, U> | null,
) => ChannelAnnotation<V, U>) & {
  Root: <SD extends StateDefinition>(spec: SD) => AnnotationRoot<SD>;
} = Object.assign(annotation, {
  Root: <SD extends StateDefinition>(spec: SD) => new AnnotationRoot(spec),
});
