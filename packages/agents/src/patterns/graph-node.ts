/**
 * Any compiled graph usable as a node of another graph (what `createAgent`, `createCouncil` and
 * `StateGraph.compile()` return), typed structurally so graphs of any state fit.
 */
export interface GraphNode {
  readonly spec: object;
  runAsSubgraph(input: unknown, config: unknown): Promise<unknown>;
}
