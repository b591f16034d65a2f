/**
 * Runs a PostgreSQL client tool (pg_dump, pg_restore) for `conclave backup|restore`. The tool
 * comes from PATH, or from the directory CONCLAVE_PG_BIN names. The password travels in
 * PGPASSWORD, never on the command line, where `ps` would show it. Its stderr is reported line
 * by line (for progress), and a failure carries the tool's own error lines plus what to do.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import type { CliIo } from "../kit.ts";

/** How a tool is run. */
export interface ToolOptions {
  /** Called with each stderr line (the --verbose progress). */
  onLine: (line: string) => void;
  /** Aborting stops the tool (SIGTERM) and rejects with the signal's reason. */
  signal: AbortSignal;
}

/** The URL without its password, and an environment that carries the password instead. */
export function connection(io: CliIo, url: string): { url: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = "";
  const env: NodeJS.ProcessEnv = { ...io.env };
  if (password !== "") env.PGPASSWORD = password;
  return { url: parsed.toString(), env };
}

/** The advice for a tool's failure, after what the tool said. Pure. */
function hint(tool: string, said: string): string {
  if (/version mismatch/.test(said))
    return "install the PostgreSQL client tools of the server's major version or newer (e.g. postgresql-client-18) and put them on PATH, or set CONCLAVE_PG_BIN to their bin directory.";
  if (/password authentication|no password supplied/.test(said))
    return "check the user and password in the database URL.";
  return `see ${tool}'s message above.`;
}

function notFound(io: CliIo, tool: string, bin: string): Error {
  const where = io.env.CONCLAVE_PG_BIN ? bin : `${bin} on PATH`;
  return new Error(
    `${tool} was not found (looked for ${where}); install the PostgreSQL client tools (apt-get install postgresql-client), or set CONCLAVE_PG_BIN to the directory holding ${tool}.`,
  );
}

/** Splits a text stream into lines for `onLine`; `flush` hands over the unfinished last one. */
function lineSplitter(onLine: (line: string) => void) {
  let pending = "";
  return {
    push(chunk: string) {
      const lines = (pending + chunk).split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) onLine(line);
    },
    flush() {
      if (pending !== "") onLine(pending);
      pending = "";
    },
  };
}

/**
 * Runs `tool` with `args` against the database at `url` (whose password it passes in the
 * environment). Resolves when it exits 0.
 * @throws Error naming a missing tool, or quoting the tool's errors with advice.
 */
export function runTool(
  io: CliIo,
  tool: string,
  args: string[],
  url: string,
  options: ToolOptions,
): Promise<void> {
  const bin = io.env.CONCLAVE_PG_BIN ? join(io.env.CONCLAVE_PG_BIN, tool) : tool;
  const errors: string[] = [];
  const lines = lineSplitter((line) => {
    if (/error|fatal|detail|hint/i.test(line)) errors.push(line);
    options.onLine(line);
  });
  return new Promise<void>((resolve, reject) => {
    const { env } = connection(io, url);
    const child = spawn(bin, args, { env, cwd: io.cwd, stdio: ["ignore", "ignore", "pipe"] });
    const stop = () => child.kill("SIGTERM");
    options.signal.addEventListener("abort", stop, { once: true });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => lines.push(chunk));
    child.once("error", (error) => {
      const missing = (error as { code?: string }).code === "ENOENT";
      reject(missing ? notFound(io, tool, bin) : error);
    });
    child.once("close", (code) => {
      options.signal.removeEventListener("abort", stop);
      lines.flush();
      const said = errors.join("\n") || `(exit code ${code})`;
      if (options.signal.aborted) reject(options.signal.reason);
      else if (code === 0) resolve();
      else reject(new Error(`${tool} failed:\n${said}\n${hint(tool, said)}`));
    });
  });
}
