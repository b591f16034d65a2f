/**
 * Runs audit-worker.ts children against one shared audit log, and checks what they left: each
 * tenant's chain is linear (seqs 1..n, verify ok), every run's events are all there, and the
 * events of one batch are adjacent in the chain (a batch is atomic). Every worker opens its log
 * first; all get "go" together, so their appends overlap without any sleep.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { AuditLog } from "@conclave/core";
import { expect } from "vitest";

const hooks = fileURLToPath(new URL("./resolve-source.ts", import.meta.url));
const worker = fileURLToPath(new URL("./audit-worker.ts", import.meta.url));

/** Where the workers' log lives. */
export interface AuditTarget {
  kind: "sqlite" | "postgres";
  /** The SQLite file, or the PostgreSQL URL. */
  target: string;
  schema?: string;
}

function start(where: AuditTarget, runs: number, tag: string) {
  const args = [
    where.kind,
    where.target,
    String(runs),
    tag,
    ...(where.schema ? [where.schema] : []),
  ];
  const child = spawn(process.execPath, ["--import", hooks, worker, ...args], { stdio: "pipe" });
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
  const appended = new Promise<number>((resolve, reject) => {
    child.on("close", (code) => {
      const last = seen.find((l) => l.startsWith("appended "));
      if (code === 0 && last !== undefined) resolve(Number(last.slice("appended ".length)));
      else reject(new Error(`audit worker ${tag} exited with ${code}: ${stderr}`));
    });
  });
  // A worker that dies before "ready" must fail the test, not hang it.
  const readyOrDead = Promise.race([ready, appended.then(() => {})]);
  appended.catch(() => {});
  return { ready: readyOrDead, go: () => child.stdin.write("go\n"), appended };
}

/** Starts `workers` processes of `runs` batches each; returns the events each appended. */
export async function runAuditWorkers(
  where: AuditTarget,
  options: { workers: number; runs: number },
): Promise<number[]> {
  const running = Array.from({ length: options.workers }, (_, i) =>
    start(where, options.runs, `w${i}`),
  );
  await Promise.all(running.map((r) => r.ready));
  for (const r of running) r.go();
  return Promise.all(running.map((r) => r.appended));
}

/** Checks the chains the workers (or any concurrent appenders of `batch`-shaped runs) left. */
export async function expectLinearChains(log: AuditLog, runs: number): Promise<void> {
  const shared = await log.list({ tenant: "shared" });
  expect(shared.map((e) => e.seq)).toEqual(Array.from({ length: runs * 3 }, (_, i) => i + 1));
  const byRun = new Map<string, number[]>();
  for (const event of shared)
    byRun.set(event.runId!, [...(byRun.get(event.runId!) ?? []), event.seq]);
  expect(byRun.size).toBe(runs);
  for (const seqs of byRun.values()) expect(seqs).toEqual([seqs[0], seqs[0]! + 1, seqs[0]! + 2]);
  expect(await log.verify("shared")).toMatchObject({ ok: true, count: runs * 3 });
  expect(await log.verify("other")).toMatchObject({ ok: true, count: runs });
}
