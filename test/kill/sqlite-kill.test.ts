import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteSaver } from "../../packages/sqlite/src/index.ts";
import { buildGraph, NODES } from "./kill-worker.ts";

const worker = new URL("./kill-worker.ts", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "conclave-kill-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ChildRun {
  started: string[];
  done: string[];
  final?: Record<string, unknown>;
  signal: NodeJS.Signals | null;
}

/** Runs the worker; when `killOn` is given (e.g. "start b", "done c1"), it freezes on that line and is SIGKILLed. */
function runWorker(args: string[], killOn?: string): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [worker, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, KILL_POINT: killOn ?? "" },
    });
    const run: ChildRun = { started: [], done: [], signal: null };
    let buffer = "";
    let stderr = "";
    child.stderr!.on("data", (d) => {
      stderr += d;
    });
    child.stdout!.on("data", (data) => {
      buffer += data;
      let newline = buffer.indexOf("\n");
      while (newline >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        const [kind, rest] = [line.slice(0, line.indexOf(" ")), line.slice(line.indexOf(" ") + 1)];
        if (line === killOn) child.kill("SIGKILL");
        if (kind === "start") run.started.push(rest);
        else if (kind === "done") run.done.push(rest);
        else if (kind === "final") run.final = JSON.parse(rest);
        newline = buffer.indexOf("\n");
      }
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      run.signal = signal;
      if (code !== 0 && signal === null) reject(new Error(`worker exited ${code}: ${stderr}`));
      else resolve(run);
    });
  });
}

async function committedNodes(file: string, threadId: string): Promise<string[]> {
  const saver = SqliteSaver.fromConnString(file);
  try {
    const state = await buildGraph()
      .compile({ checkpointer: saver })
      .getState({ configurable: { thread_id: threadId } });
    return (state.values.ran as string[] | undefined) ?? [];
  } finally {
    saver.close();
  }
}

describe("kill test: SIGKILL mid-run with the SQLite saver, resume in a new process", () => {
  const reference = runWorker([join(dir, "reference.db"), "reference", "run"]);

  for (const killOn of ["start b", "halfway c2", "start c2", "start d", "start f"]) {
    it(`killed on "${killOn}": finished nodes run exactly once, final state equals an uninterrupted run`, async () => {
      const file = join(dir, `kill-${killOn.replace(" ", "-")}.db`);
      const killed = await runWorker([file, "t", "run"], killOn);
      expect(killed.signal).toBe("SIGKILL");
      expect(killed.final).toBeUndefined();

      const committed = await committedNodes(file, "t");
      // Killed mid fan-out, long after c1 and c3 finished: their writes are saved as pending
      // writes while c2 still runs, so the resume must run only c2 and what follows.
      if (killOn === "halfway c2") expect(committed).toEqual(["a", "b", "c1", "c3"]);
      const resumed = await runWorker([file, "t", "resume"]);
      expect(resumed.signal).toBeNull();

      for (const name of resumed.started) expect(committed).not.toContain(name);
      expect([...committed, ...resumed.done].sort()).toEqual([...NODES].sort());
      const expected = (await reference).final!;
      expect(resumed.final).toEqual(expected);
      expect([...(resumed.final!.ran as string[])].sort()).toEqual([...NODES].sort());

      const saver = SqliteSaver.fromConnString(file);
      expect(await saver.verify("t")).toMatchObject({ ok: true });
      saver.close();
    });
  }
});
