import { barrierChannel, deferredTrigger } from "../channels/barrier.ts";
import type { ChannelSpec } from "../channels/channel.ts";
import { ephemeralValue } from "../channels/last-value.ts";
import { BRANCH_PREFIX, END, JOIN_PREFIX, START } from "../constants.ts";
import { InvalidGraphError, UnknownNodeError, UnreachableNodeError } from "../errors.ts";
import { timeoutPolicyOf } from "../pregel/node-timeout.ts";
import type { BranchSpec, GraphSpec, NodeSpec, SubgraphRunner } from "../pregel/spec.ts";
import { readGraphSchemas, readSchema } from "./schema.ts";
import type { NodeDefaults, NodeDefinition, StateGraph } from "./state-graph.ts";

/**
 * Lowers a StateGraph builder to the engine's GraphSpec: one trigger channel per node
 * (`branch:to:<node>`), one barrier channel per waiting edge, the input slot `__start__`, and the
 * static and conditional writes each node makes after it runs. Validates names on the way.
 */
export function lowerGraph(
  builder: StateGraph<unknown, unknown, unknown, string>,
  name: string,
): GraphSpec {
  const schemas = readGraphSchemas(builder.schema);
  const channels = new Map<string, ChannelSpec>(schemas.state.channels);
  for (const extra of [schemas.input, schemas.output]) {
    for (const [key, channel] of extra.channels) if (!channels.has(key)) channels.set(key, channel);
  }
  const known = new Set(builder.nodes.keys());
  validateEdges(builder, known, name);
  validateReachable(builder, name);

  const nodes = new Map<string, NodeSpec>();
  const edgesFrom = (source: string) =>
    builder.edges.filter(([from, to]) => from === source && to !== END).map(([, to]) => to);
  const triggerFor = (target: string): [string, unknown] => [BRANCH_PREFIX + target, null];
  const joinWrites = (source: string) =>
    builder.waitingEdges
      .filter(([sources]) => sources.includes(source))
      .map(([sources, target]): [string, unknown] => [joinName(sources, target), source]);
  const branchesOf = (source: string): BranchSpec[] => builder.branches.get(source) ?? [];

  nodes.set(START, {
    name: START,
    run: (input) => input,
    triggers: [START],
    edges: [...edgesFrom(START).map(triggerFor), ...joinWrites(START)],
    branches: branchesOf(START),
    defer: false,
  });
  channels.set(START, ephemeralValue());

  for (const [nodeName, definition] of builder.nodes) {
    const inputKeys = nodeInputKeys(definition, schemas.state.keys, channels);
    const triggers = [BRANCH_PREFIX + nodeName];
    if (definition.options.defer) channels.set(BRANCH_PREFIX + nodeName, deferredTrigger());
    for (const [sources, target] of builder.waitingEdges) {
      if (target !== nodeName) continue;
      const join = joinName(sources, target);
      channels.set(join, barrierChannel(sources, definition.options.defer === true));
      triggers.push(join);
    }
    const subgraph = asSubgraph(definition.action);
    nodes.set(nodeName, {
      name: nodeName,
      run: runnerFor(definition.action, subgraph),
      inputKeys,
      triggers,
      edges: [...edgesFrom(nodeName).map(triggerFor), ...joinWrites(nodeName)],
      branches: branchesOf(nodeName),
      ...nodePolicies(definition.options, builder.nodeDefaults),
      subgraph,
      ends: definition.options.ends,
      defer: definition.options.defer === true,
      metadata: definition.options.metadata,
    });
  }
  const triggerIndex = new Map<string, string[]>();
  for (const node of nodes.values()) {
    for (const trigger of node.triggers)
      triggerIndex.set(trigger, [...(triggerIndex.get(trigger) ?? []), node.name]);
  }
  const stateKeys = [...channels.keys()].filter(
    (k) => k !== START && !k.startsWith(BRANCH_PREFIX) && !k.startsWith(JOIN_PREFIX),
  );
  return {
    name,
    channels,
    stateKeys,
    inputKeys: schemas.input.keys,
    outputKeys: schemas.output.keys,
    nodes,
    triggerIndex,
    finishChannels: [...channels].filter(([, c]) => c.finish !== undefined).map(([k]) => k),
    inputZod: schemas.input.zod,
    ...(schemas.state.checks ? { stateChecks: schemas.state.checks } : {}),
    ...(schemas.input.checks ? { inputChecks: schemas.input.checks } : {}),
  };
}

/**
 * A node's retry, cache and timeout policies: its own, else the graph's `setNodeDefaults`.
 * `cachePolicy: false` turns a default cache off for the node; `true` is the default policy.
 */
function nodePolicies(own: NodeDefinition["options"], defaults: NodeDefaults) {
  const cache = own.cachePolicy ?? defaults.cachePolicy;
  return {
    retryPolicy: own.retryPolicy ?? defaults.retryPolicy,
    cachePolicy: cache === true ? {} : cache === false ? undefined : cache,
    timeout: timeoutPolicyOf(own.timeout ?? defaults.timeout),
  };
}

function joinName(sources: readonly string[], target: string): string {
  return `${JOIN_PREFIX}${sources.join("+")}:${target}`;
}

function nodeInputKeys(
  definition: NodeDefinition,
  stateKeys: readonly string[],
  channels: Map<string, ChannelSpec>,
): readonly string[] {
  if (!definition.options.input) return stateKeys;
  const schema = readSchema(definition.options.input, "node input");
  for (const [key, channel] of schema.channels) if (!channels.has(key)) channels.set(key, channel);
  return schema.keys;
}

function asSubgraph(action: unknown): SubgraphRunner | undefined {
  const candidate = action as Partial<SubgraphRunner> | undefined;
  return typeof candidate?.runAsSubgraph === "function" && candidate.spec
    ? (candidate as SubgraphRunner)
    : undefined;
}

function runnerFor(action: unknown, subgraph: SubgraphRunner | undefined): NodeSpec["run"] {
  if (subgraph) return (input, config) => subgraph.runAsSubgraph(input, config);
  if (typeof action === "function") return action as NodeSpec["run"];
  const runnable = action as { invoke(input: unknown, config: unknown): unknown };
  return (input, config) => runnable.invoke(input, config);
}

function validateEdges(
  builder: StateGraph<unknown, unknown, unknown, string>,
  known: Set<string>,
  graphName: string,
): void {
  const check = (nodeName: string, role: string) => {
    if (nodeName === START || nodeName === END || known.has(nodeName)) return;
    throw new UnknownNodeError(
      `${role} names node "${nodeName}", which is not in graph "${graphName}". Known nodes: ${[...known].join(", ") || "(none)"}. Add the node with addNode("${nodeName}", fn) or fix the name.`,
    );
  };
  for (const [from, to] of builder.edges) {
    check(from, `Edge ${from} -> ${to}`);
    check(to, `Edge ${from} -> ${to}`);
  }
  for (const [sources, target] of builder.waitingEdges) {
    for (const source of sources)
      check(source, `Waiting edge [${sources.join(", ")}] -> ${target}`);
    check(target, `Waiting edge [${sources.join(", ")}] -> ${target}`);
  }
  for (const [source, branches] of builder.branches) {
    check(source, `Conditional edge from "${source}"`);
    for (const branch of branches) {
      for (const target of Object.values(branch.pathMap ?? {}))
        check(target, `Conditional edge path map from "${source}"`);
    }
  }
  const hasEntry =
    builder.edges.some(([from]) => from === START) ||
    builder.branches.has(START) ||
    builder.waitingEdges.some(([s]) => s.includes(START));
  if (!hasEntry) {
    throw new InvalidGraphError(
      `Graph "${graphName}" has no entry point: nothing runs after START. Add addEdge(START, "<first node>") or setEntryPoint("<first node>").`,
      "NO_ENTRY_POINT",
    );
  }
}

/** Throws when a node cannot be reached from START by edges, routes or declared `ends`. */
function validateReachable(
  builder: StateGraph<unknown, unknown, unknown, string>,
  graphName: string,
): void {
  const all = [...builder.nodes.keys()];
  const successors = (source: string): string[] => {
    const out = builder.edges.filter(([from]) => from === source).map(([, to]) => to);
    for (const [sources, target] of builder.waitingEdges)
      if (sources.includes(source)) out.push(target);
    for (const branch of builder.branches.get(source) ?? [])
      out.push(...(branch.pathMap ? Object.values(branch.pathMap) : all));
    out.push(...(builder.nodes.get(source)?.options.ends ?? []));
    return out;
  };
  const seen = new Set<string>([START]);
  const queue = [START];
  while (queue.length > 0) {
    for (const next of successors(queue.pop()!)) {
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push(next);
    }
  }
  const unreachable = all.filter((n) => !seen.has(n));
  if (unreachable.length > 0) {
    throw new UnreachableNodeError(
      `Node${unreachable.length > 1 ? "s" : ""} ${unreachable.map((n) => `"${n}"`).join(", ")} in graph "${graphName}" cannot be reached from START. ` +
        'Add an edge to it, or if a node routes to it with Command({ goto }), declare the targets: addNode("router", fn, { ends: ["target"] }).',
    );
  }
}
