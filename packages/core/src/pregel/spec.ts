import type { ChannelSpec } from "../channels/channel.ts";
import type { ZodObjectLike } from "../graph/zod.ts";
import type { CachePolicy } from "./node-cache.ts";
import type { TimeoutPolicy } from "./node-timeout.ts";
import type { RetryPolicy } from "./retry.ts";

/**
 * The compiled form of a graph that the engine runs: channels, nodes and what triggers them.
 * A StateGraph lowers to this once at compile time; the engine never looks at the builder.
 */

/** A conditional edge attached to a node. */
export interface BranchSpec {
  path: (state: unknown, config: unknown) => unknown;
  pathMap?: Record<string, string>;
}

/** A graph that can run as a node of another graph. */
export interface SubgraphRunner {
  /** Runs the subgraph as part of a parent task; returns the update to apply to the parent. */
  runAsSubgraph(input: unknown, config: unknown): Promise<unknown>;
  readonly spec: GraphSpec;
}

export interface NodeSpec {
  name: string;
  /** Calls the user's function, Runnable or subgraph. */
  run: (input: unknown, config: unknown) => unknown;
  /** State keys the node reads; `undefined` for the input node, which reads the graph input. */
  inputKeys?: readonly string[];
  /** Channels whose update triggers the node. */
  triggers: readonly string[];
  /** Control writes made after every successful run (static edges). */
  edges: readonly [channel: string, value: unknown][];
  branches: readonly BranchSpec[];
  retryPolicy?: RetryPolicy;
  /** Look the node's writes up by its input before running it (with a graph `cache`). */
  cachePolicy?: CachePolicy;
  /** How long one attempt may run before it fails with NodeTimeoutError. */
  timeout?: TimeoutPolicy;
  subgraph?: SubgraphRunner;
  /** Nodes a Command from this node may route to (for drawing). */
  ends?: readonly string[];
  defer: boolean;
  metadata?: Record<string, unknown>;
  /**
   * The writes of a result, when the node maps it itself (an entrypoint's return value goes to
   * `__end__` and `__previous__`); `updateState` as this node uses it too.
   */
  writesOf?: (result: unknown) => [channel: string, value: unknown][];
}

export interface GraphSpec {
  name: string;
  /** State channels (including private ones) and hidden control channels. */
  channels: ReadonlyMap<string, ChannelSpec>;
  /** Every state key a node may write or read. */
  stateKeys: readonly string[];
  inputKeys: readonly string[];
  outputKeys: readonly string[];
  nodes: ReadonlyMap<string, NodeSpec>;
  /** Channel name -> nodes it triggers. */
  triggerIndex: ReadonlyMap<string, readonly string[]>;
  /** Channels with a `finish` step (defer). */
  finishChannels: readonly string[];
  inputZod?: ZodObjectLike;
  /** A StateSchema's field checks: node updates go through `stateChecks`, input `inputChecks`. */
  stateChecks?: ReadonlyMap<string, (value: unknown, where: string) => unknown>;
  inputChecks?: ReadonlyMap<string, (value: unknown, where: string) => unknown>;
  /**
   * Set for the functional API's entrypoint: the graph's output (invoke, `values`, getState) is
   * this one channel's raw value instead of a state object, as LangGraph's `outputChannels`
   * string.
   */
  rootChannel?: string;
}
