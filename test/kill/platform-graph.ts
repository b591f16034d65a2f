/**
 * The workflow of the platform kill and fencing tests, and the journal its nodes keep.
 *
 * `a -> b -> (c1 | c2) -> d`: four supersteps after the input, one of them a parallel fan-out.
 * Each node appends `start` and `done` lines to an append-only journal file shared by every
 * process (one `appendFileSync` per short line), and writes its pid into the state (`by`), so the stored state names the process whose
 * execution was kept, even for a sibling restored from its saved pending writes.
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";

/**
 * Appends one journal line. Decision: a write that straddles a page boundary can be cut short
 * by SIGKILL (Linux stops copying at a page when a fatal signal is pending), and the next
 * process's line then continued the torn one (seen once in CI). Each line therefore starts
 * with its own newline and ends with " .", so a torn write is a line of its own without the
 * end mark, which the reader skips.
 */
function journal(file: string, line: string): void {
  appendFileSync(file, `\n${line} .\n`);
}

const JOURNAL_LINE = /^\S+ \S+ (start|done) \d+ \.$/;

import { Annotation, END, type NodeConfig, START, StateGraph } from "@conclave/core";

/** The graph id the runtimes register. */
export const GRAPH_ID = "chain";

/** Nodes by superstep; a node runs again after a crash only with the rest of its step. */
export const STEPS: readonly (readonly string[])[] = [["a"], ["b"], ["c1", "c2"], ["d"]];
export const NODES: readonly string[] = STEPS.flat();

/**
 * Latency multipliers: c2 outlasts its sibling c1, so c1's write is saved as a pending write
 * while c2 still runs, and a crash then must not run c1 again.
 */
const SLOWER: Record<string, number> = { a: 1, b: 1, c1: 1, c2: 4, d: 1 };

/** What each node adds to `total`, times the run's input `n`. */
const WEIGHT: Record<string, number> = { a: 1, b: 2, c1: 3, c2: 4, d: 5 };

const State = Annotation.Root({
  n: Annotation<number>(),
  log: Annotation<string[], string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  total: Annotation<number, number>({ reducer: (a, b) => a + b, default: () => 0 }),
  by: Annotation<Record<string, number>, Record<string, number>>({
    reducer: (a, b) => ({ ...a, ...b }),
    default: () => ({}),
  }),
});

/** The final values of a run with input `n`, except `by` (node -> pid of the kept execution). */
export function expectedValues(n: number) {
  return { n, log: [...NODES], total: 15 * n };
}

export interface GraphOptions {
  /** The journal file; absent in a process that only submits and reads. */
  journal?: string;
  /** Simulated work per node, so many runs are in flight at once. */
  latencyMs?: number;
  /** Told after each node finished its work (before its step is checkpointed). */
  onDone?: (runId: string, node: string) => void;
}

/** Builds the (uncompiled) workflow; the runtime supplies the checkpointer. */
export function buildGraph(options: GraphOptions = {}) {
  const node = (name: string) => async (state: { n: number }, config: NodeConfig) => {
    const runId = String(config.metadata.run_id);
    if (options.journal) journal(options.journal, `${runId} ${name} start ${process.pid}`);
    await new Promise((resolve) => setTimeout(resolve, (options.latencyMs ?? 0) * SLOWER[name]!));
    if (options.journal) journal(options.journal, `${runId} ${name} done ${process.pid}`);
    options.onDone?.(runId, name);
    return { log: [name], total: WEIGHT[name]! * state.n, by: { [name]: process.pid } };
  };
  let graph = new StateGraph(State);
  for (const name of NODES) graph = graph.addNode(name, node(name));
  return graph
    .addEdge(START, "a")
    .addEdge("a", "b")
    .addEdge("b", "c1")
    .addEdge("b", "c2")
    .addEdge(["c1", "c2"], "d")
    .addEdge("d", END);
}

/** One node execution as the journal saw it, in journal (time) order. */
export interface Execution {
  runId: string;
  node: string;
  pid: number;
  /** Whether the node finished its work (it may still have died before its checkpoint). */
  done: boolean;
}

/** Reads the journal: every execution started, by run, then by node, in start order. */
export function readJournal(file: string): Map<string, Map<string, Execution[]>> {
  const runs = new Map<string, Map<string, Execution[]>>();
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  for (const line of text.split("\n")) {
    // A torn line's writer was killed while writing it: a torn `start` never ran its node to
    // the end, and a torn `done` never returned the node's writes, so either way the node
    // counts as not finished, which is what the store saw too.
    if (!JOURNAL_LINE.test(line)) continue;
    const [runId, node, phase, pid] = line.split(" ") as [string, string, string, string];
    const nodes = runs.get(runId) ?? new Map<string, Execution[]>();
    runs.set(runId, nodes);
    const executions = nodes.get(node) ?? [];
    nodes.set(node, executions);
    if (phase === "start") executions.push({ runId, node, pid: Number(pid), done: false });
    else {
      const started = executions.findLast((e) => e.pid === Number(pid) && !e.done);
      if (!started) throw new Error(`journal: "${line}" has no matching start line`);
      started.done = true;
    }
  }
  return runs;
}
