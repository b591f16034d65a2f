/**
 * What every `conclave` command shares: its I/O (injectable, so tests run commands in
 * process), output formats, exit codes, and usage errors.
 *
 * Exit codes (documented in the README):
 *   0 success · 1 the operation failed (a run ended in error, a chain is broken) ·
 *   2 usage error · 3 not found · 4 database or server unavailable · 130 interrupted (Ctrl-C)
 */
import { InvalidArgumentError, NotFoundError } from "@conclave/core";

export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  notFound: 3,
  unavailable: 4,
  interrupted: 130,
} as const;

export type OutputFormat = "text" | "json" | "jsonl";

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Writes without a newline (streamed tokens). */
  write(text: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Resolves when the user asks to stop (SIGINT/SIGTERM); tests resolve it themselves. */
  stopped: Promise<string>;
}

/** A mistake in how the command was called: printed with a pointer to --help, exit 2. */
export class UsageError extends Error {}

export interface CommandContext {
  io: CliIo;
  /** Arguments after the command (and subcommand) name. */
  args: string[];
  format: OutputFormat;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(ctx: CommandContext): Promise<number>;
}

/** Writes `value`: JSON (pretty), one JSON line per item (jsonl), or the text rendering. */
export function emit<T>(
  ctx: CommandContext,
  value: T | T[],
  text: (value: T | T[]) => string,
): void {
  if (ctx.format === "json") ctx.io.out(JSON.stringify(value, bigints, 2));
  else if (ctx.format === "jsonl")
    for (const item of Array.isArray(value) ? value : [value])
      ctx.io.out(JSON.stringify(item, bigints));
  else ctx.io.out(text(value));
}

function bigints(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/** A fixed-width table of `rows` under `headers`. */
export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [
    headers,
    ...rows.map((row) => row.map((c) => (c === null || c === undefined ? "-" : String(c)))),
  ];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
  return cells
    .map((row) =>
      row
        .map((c, i) => (c ?? "").padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** Maps an error to its exit code and prints it. */
export function report(error: unknown, ctx: { io: CliIo }, command: string): number {
  if (error instanceof UsageError) {
    ctx.io.err(`conclave ${command}: ${error.message}`);
    ctx.io.err(`Run \`conclave ${command} --help\` for usage.`);
    return EXIT.usage;
  }
  const message = (error as Error)?.message ?? String(error);
  ctx.io.err(`conclave ${command}: ${message}`);
  if (error instanceof NotFoundError) return EXIT.notFound;
  const code = (error as { code?: unknown })?.code;
  if (
    typeof code === "string" &&
    /^(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|57P0\d|08\d{3}|SQLITE_CANTOPEN)$/.test(code)
  )
    return EXIT.unavailable;
  if (error instanceof InvalidArgumentError) return EXIT.usage;
  return EXIT.failed;
}

/** Parses a JSON argument, saying which flag held bad JSON. */
export function parseJson(flag: string, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `${flag} must be JSON; got ${JSON.stringify(text)} (${(error as Error).message}).`,
    );
  }
}
