import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const worker = new URL("./tools-kill-worker.ts", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "conclave-tools-kill-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  lines: string[];
  signal: NodeJS.Signals | null;
}

/** Runs the worker; SIGKILLs it when it prints `killOn`. */
function runWorker(args: string[], killOn?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    const run: Run = { lines: [], signal: null };
    let buffer = "";
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.stdout.on("data", (data) => {
      buffer += data;
      for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        run.lines.push(line);
        if (line === killOn) child.kill("SIGKILL");
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

const lines = (file: string) =>
  existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];

describe("kill test: crash while waiting for approval, resume in a new process", () => {
  it("runs the tool exactly once, only after approval", async () => {
    const db = join(dir, "wait.db");
    const effect = join(dir, "wait.log");
    const waiting = await runWorker([db, effect, "run"], "waiting");
    expect(waiting.signal).toBe("SIGKILL");
    expect(lines(effect)).toEqual([]);

    const resumed = await runWorker([db, effect, "resume"]);
    expect(resumed.signal).toBeNull();
    expect(resumed.lines.at(-1)).toBe(
      `final ${JSON.stringify([{ toolCallId: "c1", name: "append_line", status: "ok", output: "appended" }])}`,
    );
    expect(lines(effect)).toEqual(["charged $5"]);
  });

  it("a crash after the tool ran but before the node finished does not run it again", async () => {
    const db = join(dir, "after.db");
    const effect = join(dir, "after.log");
    await runWorker([db, effect, "run"], "waiting");
    const hung = await runWorker([db, effect, "resume-hang"], "tools-done");
    expect(hung.signal).toBe("SIGKILL");
    expect(lines(effect)).toEqual(["charged $5"]);

    // The journal replays both the decision and the tool's result: no new interrupt, no re-run.
    const again = await runWorker([db, effect, "resume-again"]);
    expect(again.lines).toContain("tools-done");
    expect(again.lines.at(-1)).toMatch(/^final .*"status":"ok"/);
    expect(lines(effect)).toEqual(["charged $5"]);
  });
});
