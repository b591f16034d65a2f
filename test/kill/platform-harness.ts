/**
 * Runs platform-worker.ts children for the platform kill and fencing tests, reads their stdout
 * protocol, and lets a test wait on conditions (a line seen, a count reached, a database state)
 * rather than on time.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { WorkerConfig } from "./platform-worker.ts";

const hooks = fileURLToPath(new URL("../support/resolve-source.ts", import.meta.url));
const script = fileURLToPath(new URL("./platform-worker.ts", import.meta.url));

/** A running worker process. */
export interface WorkerProcess {
  readonly pid: number;
  /** The runtime's worker id, from the `ready` line. */
  readonly workerId: string;
  /** Every stdout line so far. */
  readonly lines: readonly string[];
  /** Lines so far whose first word is `kind` (e.g. "done", "finished"). */
  count(kind: string): number;
  /** Whether some line so far starts with `prefix`. */
  has(prefix: string): boolean;
  /** Resolves once `condition` holds, re-checked on every line; rejects if the child exits first. */
  until(condition: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  send(line: string): void;
  signal(signal: NodeJS.Signals): void;
  /** Resolves when the process has exited (with its signal, if one ended it). */
  readonly exited: Promise<NodeJS.Signals | null>;
}

const live = new Set<WorkerProcess>();

/** Starts a worker and resolves once it is registered and claiming. */
export async function startWorker(config: WorkerConfig): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ["--import", hooks, script, JSON.stringify(config)], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const output = watch(child);
  const { lines } = output;
  const worker: WorkerProcess = {
    pid: child.pid!,
    get workerId() {
      return lines.find((l) => l.startsWith("ready "))!.split(" ")[1]!;
    },
    lines,
    count: (kind) => output.counts.get(kind) ?? 0,
    has: (prefix) => lines.some((l) => l.startsWith(prefix)),
    until: output.until,
    send: (line) => child.stdin.write(`${line}\n`),
    signal: (signal) => child.kill(signal),
    exited: output.exited,
  };
  live.add(worker);
  void worker.exited.then(() => live.delete(worker));
  await worker.until(() => worker.has("ready "), "ready", 60_000);
  return worker;
}

/** Collects a child's stdout lines and re-checks waiting conditions on each line and at exit. */
function watch(child: ChildProcessWithoutNullStreams) {
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines: string[] = [];
  const counts = new Map<string, number>();
  const checks = new Set<() => void>();
  let ended = false;
  createInterface({ input: child.stdout }).on("line", (line) => {
    lines.push(line);
    const kind = line.slice(0, line.indexOf(" "));
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    for (const check of checks) check();
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => {
    child.on("close", (_code, signal) => {
      ended = true;
      for (const check of checks) check();
      resolve(signal);
    });
  });
  const until = (condition: () => boolean, what: string, timeoutMs = 30_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (condition()) finish();
        else if (ended) finish("exited");
      };
      const finish = (failure?: string) => {
        clearTimeout(timer);
        checks.delete(check);
        if (failure === undefined) return resolve();
        const tail = lines.slice(-5).join(" | ");
        const detail = `last lines: ${tail}; stderr: ${stderr}`;
        reject(new Error(`worker ${child.pid}: ${failure} waiting for ${what}; ${detail}`));
      };
      const timer = setTimeout(() => finish(`timed out after ${timeoutMs} ms`), timeoutMs);
      checks.add(check);
      check();
    });
  return { lines, counts, until, exited };
}

/** Asks a worker to drain and exit, and waits for it. */
export async function stopWorker(worker: WorkerProcess): Promise<void> {
  worker.send("stop");
  await worker.exited;
}

/** Leak guard for afterEach: SIGKILLs (SIGSTOPped ones too) workers a test left running. */
export async function killLeftovers(): Promise<number> {
  const left = [...live];
  for (const worker of left) worker.signal("SIGKILL");
  await Promise.all(left.map((w) => w.exited));
  return left.length;
}

/** Resolves once `condition` holds, checking it every `everyMs`; rejects after `timeoutMs`. */
export async function waitUntil(
  condition: () => Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
