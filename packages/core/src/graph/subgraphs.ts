/**
 * LangGraph's `getSubgraphs`: the compiled graphs a graph uses as nodes, found through the
 * lowered spec, recursively when asked.
 */
import type { GraphSpec } from "../pregel/spec.ts";
import type { CompiledStateGraph } from "./compiled-state-graph.ts";

type AnyCompiled = CompiledStateGraph<unknown, unknown>;

/** A node's subgraph, when it is a compiled graph (one that can list its own subgraphs). */
function compiledSubgraph(subgraph: unknown): AnyCompiled | undefined {
  const candidate = subgraph as { getSubgraphs?: unknown; spec?: unknown } | undefined;
  return typeof candidate?.getSubgraphs === "function" && candidate.spec !== undefined
    ? (candidate as AnyCompiled)
    : undefined;
}

/**
 * Subgraphs by node name; with `recurse`, theirs too, named `parent|child`. With `namespace`,
 * only the subgraph at that namespace (and, with `recurse`, its own below it).
 */
export function* subgraphsOf(
  spec: GraphSpec,
  namespace: string | undefined,
  recurse: boolean,
): Generator<[string, AnyCompiled]> {
  for (const [name, node] of spec.nodes) {
    const graph = compiledSubgraph(node.subgraph);
    if (graph === undefined) continue;
    if (namespace !== undefined && !namespace.startsWith(name)) continue;
    if (name === namespace) {
      yield [name, graph];
      return;
    }
    if (namespace === undefined) yield [name, graph];
    if (!recurse) continue;
    const inner = namespace === undefined ? undefined : namespace.slice(name.length + 1);
    for (const [child, subgraph] of graph.getSubgraphs(inner, true))
      yield [`${name}|${child}`, subgraph];
  }
}
