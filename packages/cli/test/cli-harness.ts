/**
 * What the `conclave` command tests share: a scratch directory inside the repository (so graph
 * modules written there resolve @conclave/* from node_modules), running the command in process
 * with an injected io, and a small graph module the tests and the command both load.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { AnyCompiledGraph } from "@conclave/runtime";
import { runConclave } from "../src/conclave.ts";
import type { CliIo } from "../src/kit.ts";

const tmpRoot = fileURLToPath(new URL("../../../.tmp/", import.meta.url));

/** A fresh directory under the repository's .tmp/. */
export function scratchDir(prefix: string): string {
  mkdirSync(tmpRoot, { recursive: true });
  return mkdtempSync(join(tmpRoot, `${prefix}-`));
}

/** What one command run printed, and its exit code. */
export interface CliResult {
  code: number;
  out: string;
  err: string;
  /** Lines the progress line drew (only when `progress` was asked for). */
  progress: string[];
}

/** Runs `conclave <args>` in process, in `cwd`, with only `env` as its environment. */
export async function runCli(
  args: string[],
  options: {
    cwd: string;
    env?: Record<string, string | undefined>;
    /** Record the progress line, as on a terminal. */
    progress?: boolean;
    /** Resolve to ask the command to stop, as Ctrl-C does. */
    stopped?: Promise<string>;
  },
): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const progress: string[] = [];
  const io: CliIo = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    write: (t) => out.push(t.replace(/\n$/, "")),
    env: { ...options.env },
    cwd: options.cwd,
    stopped: options.stopped ?? new Promise(() => undefined),
    progress: options.progress ? (t) => progress.push(t) : undefined,
  };
  const code = await runConclave(args, io);
  return { code, out: out.join("\n"), err: err.join("\n"), progress };
}

/** A command line split on spaces: `words("runs ls --limit 5")`. Pure. */
export function words(line: string): string[] {
  return line.trim().split(/\s+/);
}

/** Parses the JSON a command printed with `-o json`. */
export function json<T = unknown>(result: CliResult): T {
  try {
    return JSON.parse(result.out) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}): ${result.out}\nstderr: ${result.err}`);
  }
}

const STEPS_GRAPH = `import { Annotation, StateGraph } from "@conclave/core";

/** Failures left for node "second"; the test sets it. */
export const control = { failures: 0, started: () => {} };

const State = Annotation.Root({
  log: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

/** first -> second (fails while control.failures > 0) */
export const steps = new StateGraph(State)
  .addNode("first", () => ({ log: ["first"] }))
  .addNode("second", () => {
    if (control.failures-- > 0) throw new Error("second failed");
    return { log: ["second"] };
  })
  .addEdge("__start__", "first")
  .addEdge("first", "second")
  .compile();

/** Waits on its AbortSignal: only a cancel ends it. */
export const slow = new StateGraph(State)
  .addNode("wait", (_s: unknown, config: { signal?: AbortSignal }) => {
    control.started();
    return new Promise((_resolve, reject) => {
      config.signal?.addEventListener("abort", () => reject(config.signal?.reason), { once: true });
    });
  })
  .addEdge("__start__", "wait")
  .compile();
`;

/** The graph module the tests run and the command loads (the same instance, by URL). */
export interface StepsModule {
  control: { failures: number; started: () => void };
  steps: AnyCompiledGraph;
  slow: AnyCompiledGraph;
}

/** Writes the steps graphs and a langgraph.json declaring them into `dir`; imports them. */
export async function writeStepsProject(dir: string): Promise<StepsModule> {
  const file = join(dir, "steps-graph.ts");
  writeFileSync(file, STEPS_GRAPH);
  writeFileSync(
    join(dir, "langgraph.json"),
    JSON.stringify({ graphs: { steps: "./steps-graph.ts:steps", slow: "./steps-graph.ts:slow" } }),
  );
  return (await import(pathToFileURL(file).href)) as StepsModule;
}
