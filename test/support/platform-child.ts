/**
 * Runs a platform-worker script (one per store package) as a child process for the tests that
 * race two processes over one queue: it prints "ready" once registered, waits for "go" on stdin,
 * and ends with "finished <run ids as JSON>".
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const hooks = fileURLToPath(new URL("./resolve-source.ts", import.meta.url));

/** Starts `script` with `args`; `ready` once it registered, `finished` with the runs it ended. */
export function startPlatformChild(script: string, args: string[], workerId: string) {
  const child = spawn(process.execPath, ["--import", hooks, script, ...args, workerId], {
    stdio: "pipe",
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines: string[] = [];
  let onReady = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  createInterface({ input: child.stdout }).on("line", (line) => {
    lines.push(line);
    if (line === "ready") onReady();
  });
  const finished = new Promise<string[]>((resolve, reject) => {
    child.on("close", (code) => {
      const last = lines.find((l) => l.startsWith("finished "));
      if (code === 0 && last !== undefined) resolve(JSON.parse(last.slice("finished ".length)));
      else reject(new Error(`platform worker ${workerId} exited with ${code}: ${stderr}`));
    });
  });
  finished.catch(() => {});
  // A worker that dies before "ready" must fail the test, not hang it.
  return {
    ready: Promise.race([ready, finished.then(() => {})]),
    go: () => child.stdin.write("go\n"),
    finished,
    /** Every line the child printed so far. */
    lines,
  };
}
