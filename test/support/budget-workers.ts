/**
 * Runs budget-worker.ts children against one shared budget and collects how many calls each
 * was admitted. Every worker opens its store first; all get "go" together, so their calls
 * overlap without any sleep.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const hooks = fileURLToPath(new URL("./resolve-source.ts", import.meta.url));
const worker = fileURLToPath(new URL("./budget-worker.ts", import.meta.url));

/** Where the workers' store lives. */
export interface BudgetTarget {
  kind: "sqlite" | "postgres";
  /** The SQLite file, or the PostgreSQL URL. */
  target: string;
  schema?: string;
}

interface Running {
  ready: Promise<void>;
  go: () => void;
  admitted: Promise<number>;
}

function start(
  where: BudgetTarget,
  budgetId: string,
  options: WorkerOptions,
  tag: string,
): Running {
  const { attempts, cost, actual } = options;
  const args = [where.kind, where.target, budgetId, String(attempts), String(cost), tag];
  const env =
    actual === undefined ? process.env : { ...process.env, BUDGET_WORKER_ACTUAL: String(actual) };
  const child = spawn(
    process.execPath,
    ["--import", hooks, worker, ...args, ...(where.schema ? [where.schema] : [])],
    { stdio: "pipe", env },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const seen: string[] = [];
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  createInterface({ input: child.stdout }).on("line", (line) => {
    seen.push(line);
    if (line === "ready") onReady();
  });
  const admitted = new Promise<number>((resolve, reject) => {
    child.on("close", (code) => {
      const last = seen.find((l) => l.startsWith("admitted "));
      if (code === 0 && last !== undefined) resolve(Number(last.slice("admitted ".length)));
      else reject(new Error(`budget worker ${tag} exited with ${code}: ${stderr}`));
    });
  });
  // A worker that dies before "ready" must fail the test, not hang it.
  const readyOrDead = Promise.race([ready, admitted.then(() => {})]);
  admitted.catch(() => {});
  return { ready: readyOrDead, go: () => child.stdin.write("go\n"), admitted };
}

interface WorkerOptions {
  attempts: number;
  cost: bigint;
  /** Reserve as the gateway does (`reserveApplicable`) and spend this much instead of `cost`. */
  actual?: bigint;
}

/**
 * Starts `workers` processes, each making `attempts` reserve+settle calls of `cost` against
 * `budgetId`, and returns how many calls each was admitted.
 */
export async function runBudgetWorkers(
  where: BudgetTarget,
  budgetId: string,
  options: WorkerOptions & { workers: number },
): Promise<number[]> {
  const running = Array.from({ length: options.workers }, (_, i) =>
    start(where, budgetId, options, `worker${i}`),
  );
  await Promise.all(running.map((r) => r.ready));
  for (const r of running) r.go();
  return Promise.all(running.map((r) => r.admitted));
}
