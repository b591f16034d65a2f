/**
 * Child process for the kill tests: runs (or resumes) one thread of a workflow with a parallel
 * fan-out on a SQLite saver, printing "start <node>" and "done <node>" lines as nodes run, so the
 * parent can SIGKILL it mid-run at a chosen point.
 *
 * usage: node kill-worker.ts <db-file> <thread-id> run|resume
 *
 * With KILL_POINT set to one of those lines, the process freezes right after printing it, so
 * the parent's SIGKILL lands exactly there however late it arrives on a loaded machine.
 */
import { createHash } from "node:crypto";
import { Annotation, END, START, StateGraph } from "../../packages/core/src/index.ts";
import { SqliteSaver } from "../../packages/sqlite/src/index.ts";

export const NODES = ["a", "b", "c1", "c2", "c3", "d", "e", "f"];

const State = Annotation.Root({
  ran: Annotation<string[], string>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  digest: Annotation<string, string>({ reducer: (a, b) => hash(a + b), default: () => "" }),
});

function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

// Real CPU work in chunks that yield to the event loop (no timers), so parallel siblings
// interleave and a finished sibling's writes are saved while another is still running.
async function work(name: string, rounds: number): Promise<string> {
  let h = name;
  for (let i = 0; i < rounds; i++) {
    h = hash(h);
    if (i % 200 === 199) await new Promise((resolve) => setImmediate(resolve));
    if (i === rounds >> 1) mark(`halfway ${name}`);
  }
  return h;
}

const killPoint = process.env.KILL_POINT;

/** Prints a progress line (pipes are written synchronously on Linux), freezing at the kill point. */
function mark(line: string): void {
  process.stdout.write(`${line}\n`);
  if (line === killPoint) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}

const ROUNDS: Record<string, number> = { c2: 40_000 };

function node(name: string) {
  return async () => {
    mark(`start ${name}`);
    const result = { ran: name, digest: await work(name, ROUNDS[name] ?? 2000) };
    mark(`done ${name}`);
    return result;
  };
}

/** Builds the workflow: a -> b -> (c1 | c2 | c3) -> d -> e -> f. */
export function buildGraph() {
  let graph = new StateGraph(State);
  for (const name of NODES) graph = graph.addNode(name, node(name));
  return graph
    .addEdge(START, "a")
    .addEdge("a", "b")
    .addEdge("b", "c1")
    .addEdge("b", "c2")
    .addEdge("b", "c3")
    .addEdge(["c1", "c2", "c3"], "d")
    .addEdge("d", "e")
    .addEdge("e", "f")
    .addEdge("f", END);
}

if (process.argv[1]?.endsWith("kill-worker.ts")) {
  const [file, threadId, mode] = process.argv.slice(2);
  const saver = SqliteSaver.fromConnString(file!);
  const app = buildGraph().compile({ checkpointer: saver });
  const config = { configurable: { thread_id: threadId! }, durability: "sync" as const };
  const final = await app.invoke(mode === "resume" ? null : {}, config);
  process.stdout.write(`final ${JSON.stringify(final)}\n`);
}
