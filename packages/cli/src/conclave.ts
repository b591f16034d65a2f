/**
 * The `conclave` command: dispatches to a subcommand, maps errors to documented exit codes,
 * and reads the global `-o text|json|jsonl` flag.
 */

import { approvalsCommand } from "./commands/approvals.ts";
import { auditCommand } from "./commands/audit.ts";
import { backupCommand, restoreCommand } from "./commands/backup.ts";
import { budgetsCommand } from "./commands/budgets.ts";
import { costCommand } from "./commands/cost.ts";
import { keysCommand } from "./commands/keys.ts";
import { migrateCommand } from "./commands/migrate.ts";
import { modelsCommand } from "./commands/models.ts";
import { queueCommand } from "./commands/queue.ts";
import { runCommand } from "./commands/run.ts";
import { runsCommand } from "./commands/runs.ts";
import { devCommand, serveCommand } from "./commands/serve.ts";
import { threadsCommand } from "./commands/threads.ts";
import { workerCommand } from "./commands/worker.ts";
import { type CliIo, type Command, EXIT, type OutputFormat, report, UsageError } from "./kit.ts";

export const COMMANDS: Command[] = [
  devCommand,
  serveCommand,
  workerCommand,
  runCommand,
  runsCommand,
  queueCommand,
  approvalsCommand,
  threadsCommand,
  auditCommand,
  costCommand,
  budgetsCommand,
  modelsCommand,
  keysCommand,
  migrateCommand,
  backupCommand,
  restoreCommand,
];

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "Usage: conclave <command> [options]   (conclave <command> --help for details)",
    "",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Global: -o, --output text|json|jsonl",
    "Exit codes: 0 ok, 1 failed, 2 usage, 3 not found, 4 unavailable, 130 interrupted.",
  ].join("\n");
}

/** Pulls `-o/--output <format>` out of the arguments. */
function outputFormat(args: string[]): { format: OutputFormat; rest: string[] } {
  const rest: string[] = [];
  let format: OutputFormat = "text";
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const inline = /^--output=(.*)$/.exec(arg);
    const value = inline ? inline[1] : arg === "-o" || arg === "--output" ? args[++i] : undefined;
    if (value === undefined && !inline && arg !== "-o" && arg !== "--output") {
      rest.push(arg);
      continue;
    }
    if (value !== "text" && value !== "json" && value !== "jsonl") {
      throw new UsageError(`--output must be text, json or jsonl; got ${JSON.stringify(value)}.`);
    }
    format = value;
  }
  return { format, rest };
}

export async function runConclave(argv: string[], io: CliIo): Promise<number> {
  const [name, ...tail] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(usage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`conclave: unknown command ${JSON.stringify(name)}.\n\n${usage()}`);
    return EXIT.usage;
  }
  try {
    const { format, rest } = outputFormat(tail);
    return await command.run({ io, args: rest, format });
  } catch (error) {
    const usageLike =
      error instanceof TypeError && (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    return report(usageLike ? new UsageError(error.message) : error, { io }, name);
  }
}
