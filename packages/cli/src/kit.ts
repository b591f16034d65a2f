/**
 * What every `conclave` command shares: its I/O (injectable, so tests run commands in
 * process), output formats, exit codes, and usage errors.
 *
 * Exit codes (documented in the README):
 *   0 success · 1 the operation failed (a run ended in error, a chain is broken) ·
 *   2 usage error · 3 not found · 4 database or server unavailable · 130 interrupted (Ctrl-C)
 */
import { InvalidArgumentError, NotFoundError } from "@conclave/core";
import { formatUsd } from "@conclave/models";

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
  /**
   * Redraws one status line on stderr in place ("" clears it), for the progress of long
   * operations. Set only when stderr is a terminal; without it commands stay silent.
   */
  progress?: (text: string) => void;
}

/** A mistake in how the command was called: printed with a pointer to --help, exit 2. */
export class UsageError extends Error {
  /** The command whose --help to point at ("budgets set"); default the top-level command. */
  helpFor: string | undefined;
}

/** The user asked to stop (Ctrl-C, SIGTERM) before the command finished: exit 130. */
export class InterruptedError extends Error {}

/**
 * A signal aborted (with an InterruptedError) when the user asks to stop, for long operations
 * that can stop cleanly part-way (backup, export).
 */
export function stopSignal(io: CliIo): AbortSignal {
  const controller = new AbortController();
  void io.stopped.then((signal) =>
    controller.abort(new InterruptedError(`${signal}: stopped before finishing`)),
  );
  return controller.signal;
}

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
    ctx.io.err(`Run \`conclave ${error.helpFor ?? command} --help\` for usage.`);
    return EXIT.usage;
  }
  const message = (error as Error)?.message ?? String(error);
  ctx.io.err(`conclave ${command}: ${message}`);
  if (error instanceof InterruptedError) return EXIT.interrupted;
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

/**
 * Pico-USD as dollars for tables: exact to the micro-dollar, trailing zeros trimmed down to
 * cents ("$25.00", "$0.50", "$0.000933"). Pure.
 */
export function usd(pico: bigint): string {
  return `$${formatUsd(pico, 6).replace(/(\.\d\d\d*?)0+$/, "$1")}`;
}

/** A progress line: `update` redraws at most every 100 ms; `done` clears it. */
export interface Progress {
  update(text: string): void;
  done(): void;
}

/**
 * The progress line of a long operation on `io` (a no-op when stderr is not a terminal).
 * @example
 * const progress = progressLine(ctx.io);
 * progress.update(`exported ${n} events`);
 * progress.done();
 */
export function progressLine(io: CliIo, intervalMs = 100): Progress {
  const draw = io.progress;
  if (!draw) return { update() {}, done() {} };
  let last = 0;
  return {
    update(text) {
      const now = Date.now();
      if (now - last < intervalMs) return;
      last = now;
      draw(text);
    },
    done: () => draw(""),
  };
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
