/**
 * Runs append-worker.ts children and steps them through their stdio protocol, so tests make
 * processes overlap by waiting on conditions, never on time.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const hooks = fileURLToPath(new URL("./resolve-source.ts", import.meta.url));
const worker = fileURLToPath(new URL("./append-worker.ts", import.meta.url));

/** A running worker. */
export interface Worker {
  /** Resolves when the worker prints `line`; rejects if it exits first. */
  waitFor(line: string): Promise<void>;
  send(line: string): void;
  /** Resolves with the exit code; rejects with the worker's stderr if it is not 0. */
  exited: Promise<number>;
}

/** Starts a worker appending `steps` checkpoints to `thread`. */
export function startWorker(
  kind: "sqlite" | "postgres",
  target: string,
  thread: string,
  steps: number,
  schema?: string,
): Worker {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ["--import", hooks, worker, kind, target, thread, String(steps), ...(schema ? [schema] : [])],
    { stdio: "pipe" },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const seen: string[] = [];
  const waiters: Array<() => void> = [];
  let ended = false;
  const output = createInterface({ input: child.stdout });
  output.on("line", (line) => {
    seen.push(line);
    for (const wake of waiters.splice(0)) wake();
  });
  // "close" of stdout comes after every line was read, unlike the process's "exit".
  output.on("close", () => {
    ended = true;
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<number>((resolve, reject) => {
    child.on("close", (code) => {
      if (code === 0) resolve(code);
      else reject(new Error(`worker for ${thread} exited with ${code}: ${stderr}`));
    });
  });
  // Callers may never await `exited` when waitFor already failed; keep that from going unhandled.
  exited.catch(() => {});
  const waitFor = async (line: string): Promise<void> => {
    while (!seen.includes(line)) {
      if (ended) throw new Error(`worker ended its output before "${line}": ${stderr}`);
      await new Promise<void>((wake) => waiters.push(wake));
    }
    seen.splice(seen.indexOf(line), 1);
  };
  return { waitFor, send: (line) => child.stdin.write(`${line}\n`), exited };
}

/** Runs workers so that each has written half its steps before any writes the second half. */
export async function runOverlapping(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.waitFor("ready")));
  for (const w of workers) w.send("go");
  await Promise.all(workers.map((w) => w.waitFor("half")));
  for (const w of workers) w.send("go");
  await Promise.all(workers.map((w) => w.waitFor("done")));
  await Promise.all(workers.map((w) => w.exited));
}
