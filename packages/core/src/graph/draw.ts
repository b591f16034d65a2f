import { BRANCH_PREFIX, END, JOIN_PREFIX, START } from "../constants.ts";
import type { GraphSpec } from "../pregel/spec.ts";

export interface DrawableNode {
  id: string;
  name: string;
  metadata?: Record<string, unknown>;
}

export interface DrawableEdge {
  source: string;
  target: string;
  conditional: boolean;
  data?: string;
}

/** A graph's structure for display: JSON via `toJSON()`, a Mermaid chart via `drawMermaid()`. */
export class DrawableGraph {
  readonly nodes: Record<string, DrawableNode>;
  readonly edges: DrawableEdge[];
  constructor(nodes: Record<string, DrawableNode>, edges: DrawableEdge[]) {
    this.nodes = nodes;
    this.edges = edges;
  }

  toJSON(): { nodes: DrawableNode[]; edges: DrawableEdge[] } {
    return { nodes: Object.values(this.nodes), edges: this.edges };
  }

  /** A Mermaid flowchart. Conditional edges are dotted. Pure. */
  drawMermaid(): string {
    const lines = ["%%{init: {'flowchart': {'curve': 'linear'}}}%%", "graph TD;"];
    for (const node of Object.values(this.nodes)) {
      if (node.id === START) lines.push(`\t${START}([<p>${START}</p>]):::first`);
      else if (node.id === END) lines.push(`\t${END}([<p>${END}</p>]):::last`);
      else lines.push(`\t${node.id}(${node.name})`);
    }
    for (const edge of this.edges) {
      const arrow = edge.conditional
        ? edge.data
          ? `-. &nbsp;${edge.data}&nbsp; .->`
          : "-.->"
        : "-->";
      lines.push(`\t${edge.source} ${arrow} ${edge.target};`);
    }
    lines.push(
      "\tclassDef default fill:#f2f0ff,line-height:1.2;",
      "\tclassDef first fill-opacity:0;",
      "\tclassDef last fill:#bfb6fc;",
    );
    return `${lines.join("\n")}\n`;
  }
}

/** Derives the drawable structure of a compiled graph. Pure. */
export function drawGraph(spec: GraphSpec): DrawableGraph {
  const edges: DrawableEdge[] = [];
  const names = [...spec.nodes.keys()];
  const targetOf = (channel: string) =>
    channel.startsWith(BRANCH_PREFIX)
      ? channel.slice(BRANCH_PREFIX.length)
      : channel.startsWith(JOIN_PREFIX)
        ? channel.slice(channel.lastIndexOf(":") + 1)
        : undefined;
  for (const node of spec.nodes.values()) {
    const statics = new Set(
      node.edges.map(([c]) => targetOf(c)).filter((t): t is string => t !== undefined),
    );
    for (const target of statics) edges.push({ source: node.name, target, conditional: false });
    for (const branch of node.branches) {
      const targets = branch.pathMap
        ? Object.entries(branch.pathMap)
        : names
            .filter((n) => n !== START && n !== node.name)
            .map((n) => [n, n] as const)
            .concat([[END, END]]);
      for (const [label, target] of targets)
        edges.push({
          source: node.name,
          target,
          conditional: true,
          data: branch.pathMap && label !== target ? label : undefined,
        });
    }
    for (const target of node.ends ?? [])
      edges.push({ source: node.name, target, conditional: true });
    const hasExit = statics.size > 0 || node.branches.length > 0 || (node.ends?.length ?? 0) > 0;
    if (!hasExit && node.name !== START)
      edges.push({ source: node.name, target: END, conditional: false });
  }
  const nodes: Record<string, DrawableNode> = {};
  for (const name of names)
    nodes[name] = {
      id: name,
      name,
      ...(spec.nodes.get(name)?.metadata ? { metadata: spec.nodes.get(name)!.metadata } : {}),
    };
  if (edges.some((e) => e.target === END)) nodes[END] = { id: END, name: END };
  return new DrawableGraph(nodes, dedupe(edges));
}

function dedupe(edges: DrawableEdge[]): DrawableEdge[] {
  const seen = new Set<string>();
  return edges.filter((e) => {
    const key = `${e.source}>${e.target}>${e.conditional}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
