/**
 * `shellTool`: runs one allowlisted program with literal arguments, never through a shell.
 * `execFile` with `shell: false` passes argv straight to exec, so `;`, `|`, `&&`, `$()`,
 * backticks and `$VAR` are just bytes in an argument. The command must be a bare name in the
 * allowlist (no paths, no metacharacters), looked up only in absolute PATH entries; the working
 * directory is jailed to the root; the environment holds only PATH and what the caller allows.
 */
import { execFile } from "node:child_process";
import { isAbsolute } from "node:path";
import { z } from "zod";
import { ToolDefinitionError, ToolPolicyError } from "./errors.ts";
import { capText } from "./output.ts";
import { createJail, resolveExisting } from "./path-jail.ts";
import { type Tool, tool } from "./tool.ts";

/** Options of {@link shellTool}. */
export interface ShellToolOptions {
  /** Program names that may run, matched exactly (e.g. `["ls", "git"]`). */
  allow: readonly string[];
  /** The root directory commands run in (and may `cwd` under). */
  cwd: string;
  /** Extra environment variables, set explicitly. Nothing else is inherited but PATH. */
  env?: Readonly<Record<string, string>>;
  /** PATH for the child (default: this process's PATH, absolute entries only). */
  path?: string;
  /** Deadline; the process is killed with SIGKILL when it passes (default 30 s). */
  timeoutMs?: number;
  /** Cap on stdout and stderr, each, in characters (default 20,000). */
  maxOutputChars?: number;
}

/** What the tool returns (a non-zero exit is a result, not an error). */
export interface ShellResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

const Args = z.object({
  command: z.string().describe("Program name from the allowlist, without a path"),
  args: z.array(z.string()).default([]).describe("Arguments, passed literally (no shell)"),
  cwd: z.string().default(".").describe("Working directory relative to the root"),
});

/** A bare program name: no path separators, no shell metacharacters, not "." or "..". */
const BARE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._+-]*$/;

/**
 * Creates the `shell` tool.
 *
 * @example
 * const shell = shellTool({ allow: ["ls", "cat"], cwd: "./workspace" });
 */
export function shellTool(options: ShellToolOptions): Tool<typeof Args, ShellResult> {
  for (const name of options.allow) {
    if (!BARE_NAME.test(name)) {
      throw new ToolDefinitionError(
        `shellTool allow entry ${JSON.stringify(name)} is not a bare program name; list names like "ls", not paths.`,
      );
    }
  }
  const jail = createJail(options.cwd);
  const allowed = new Set(options.allow);
  const env = { ...options.env, PATH: safePath(options.path ?? process.env.PATH ?? "") };
  const maxOutputChars = options.maxOutputChars ?? 20_000;
  return tool({
    name: "shell",
    description: `Runs one program (${[...allowed].join(", ")}) with literal arguments; no shell features.`,
    schema: Args,
    timeoutMs: options.timeoutMs,
    // Each stream is capped below; the JSON wrapper adds a little on top.
    maxOutputChars: maxOutputChars * 2 + 1_000,
    async execute({ command, args, cwd }, { signal }) {
      checkCommand(command, allowed);
      const dir = await resolveExisting(jail, cwd);
      return run(command, args, { cwd: dir, env, signal, maxOutputChars });
    },
  });
}

function checkCommand(command: string, allowed: ReadonlySet<string>): void {
  if (!BARE_NAME.test(command)) {
    throw new ToolPolicyError(
      "shell",
      "SHELL_COMMAND_NOT_BARE",
      `Command ${JSON.stringify(command)} is not a bare program name (paths and metacharacters are refused); use one of: ${[...allowed].join(", ")}.`,
    );
  }
  if (!allowed.has(command)) {
    throw new ToolPolicyError(
      "shell",
      "SHELL_COMMAND_NOT_ALLOWED",
      `Command ${JSON.stringify(command)} is not in the allowlist; use one of: ${[...allowed].join(", ")}.`,
    );
  }
}

/** Drops relative PATH entries (".", "", "bin"): they would let a file in cwd shadow a program. */
function safePath(path: string): string {
  return path
    .split(":")
    .filter((dir) => dir !== "" && isAbsolute(dir))
    .join(":");
}

interface RunOptions {
  cwd: string;
  env: Record<string, string>;
  signal: AbortSignal;
  maxOutputChars: number;
}

function run(command: string, args: string[], o: RunOptions): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        cwd: o.cwd,
        env: o.env,
        shell: false,
        signal: o.signal,
        killSignal: "SIGKILL",
        // Bytes, generous vs the char cap; past it execFile kills the child and we keep what came.
        maxBuffer: o.maxOutputChars * 4,
        windowsHide: true,
      },
      (error, stdout, stderr) => {
        const err = error as (NodeJS.ErrnoException & { code?: unknown }) | null;
        if (err && (err.name === "AbortError" || err.code === "ENOENT"))
          return reject(spawnError(command, err));
        const exitCode = err ? (typeof err.code === "number" ? err.code : null) : 0;
        resolve({
          exitCode,
          stdout: capText(String(stdout), o.maxOutputChars),
          stderr: capText(String(stderr), o.maxOutputChars),
        });
      },
    );
  });
}

function spawnError(command: string, error: NodeJS.ErrnoException): Error {
  if (error.code !== "ENOENT") return error;
  return new ToolPolicyError(
    "shell",
    "SHELL_COMMAND_NOT_FOUND",
    `Command "${command}" is allowed but was not found on PATH; install it or fix the tool's path option.`,
  );
}
