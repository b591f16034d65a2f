/**
 * `<noun> <verb>` commands (`runs ls`, `budgets set`...): one table of actions per noun, each
 * with its own flags and help, plus the flag parsers they share. Every action accepts the
 * connection flags (--database, --config, --profile) and --help.
 */
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { type Command, type CommandContext, EXIT, UsageError } from "../kit.ts";

/** Parsed flag values of an action. */
export type Flags = Record<string, string | boolean | undefined>;

/** One verb of a command group. */
export interface Action {
  /** Shown by `conclave <noun> <verb> --help`. */
  usage: string;
  /** Flags beyond the connection flags and --help. */
  options?: ParseArgsOptionsConfig;
  run(ctx: CommandContext, flags: Flags, positionals: string[]): Promise<number>;
}

/** Flags every action takes: where the database and config are. */
export const CONNECTION_OPTIONS = {
  database: { type: "string" },
  config: { type: "string" },
  profile: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsOptionsConfig;

/**
 * A command made of actions: `conclave <name> <action> [flags]`. Without an action it prints
 * its usage (exit 2); `--help` after an action prints that action's usage (exit 0).
 */
export function commandGroup(spec: {
  name: string;
  summary: string;
  usage: string;
  actions: Record<string, Action>;
}): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    usage: spec.usage,
    async run(ctx) {
      const [verb, ...rest] = ctx.args;
      if (verb === undefined || verb === "--help" || verb === "-h" || verb === "help") {
        ctx.io.out(spec.usage);
        return verb === undefined ? EXIT.usage : EXIT.ok;
      }
      const action = Object.hasOwn(spec.actions, verb) ? spec.actions[verb] : undefined;
      if (!action) {
        const verbs = Object.keys(spec.actions).join(", ");
        throw new UsageError(`unknown ${spec.name} action ${JSON.stringify(verb)}; use ${verbs}.`);
      }
      try {
        return await runAction(ctx, action, rest);
      } catch (error) {
        throw pointAtHelp(error, `${spec.name} ${verb}`);
      }
    },
  };
}

/** A usage mistake (or a flag parseArgs refused) made inside an action points at its --help. */
function pointAtHelp(error: unknown, command: string): unknown {
  const parseError =
    error instanceof TypeError && (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
  const usage = parseError ? new UsageError(error.message) : error;
  if (usage instanceof UsageError) usage.helpFor ??= command;
  return usage;
}

/** Parses `args` for `action` (strictly: unknown flags are usage errors) and runs it. */
export async function runAction(
  ctx: CommandContext,
  action: Action,
  args: string[],
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...CONNECTION_OPTIONS, ...action.options },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    ctx.io.out(action.usage);
    return EXIT.ok;
  }
  return action.run(ctx, values, positionals);
}

/** The string value of a flag, or undefined. */
export function text(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === "string" ? value : undefined;
}

/** The one positional argument an action needs, or a usage error saying where to find it. */
export function required(positionals: string[], what: string, hint: string): string {
  const [value, extra] = positionals;
  if (value === undefined || value === "") throw new UsageError(`needs ${what} (${hint}).`);
  if (extra !== undefined)
    throw new UsageError(`takes one ${what}; got also ${JSON.stringify(extra)}.`);
  return value;
}

/** Refuses stray arguments for an action that takes none. */
export function noPositionals(positionals: string[]): void {
  if (positionals.length > 0)
    throw new UsageError(`takes no arguments; got ${JSON.stringify(positionals.join(" "))}.`);
}

/** A whole number flag in [min, max], or `fallback` when absent. */
export function intFlag(
  flags: Flags,
  name: string,
  fallback: number,
  range: { min?: number; max?: number } = {},
): number {
  const raw = text(flags, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  const min = range.min ?? 1;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(
      `--${name} must be a whole number from ${min} to ${max}; got ${JSON.stringify(raw)}.`,
    );
  }
  return value;
}

/** A flag that must be one of `allowed`, or `fallback` when absent. */
export function choiceFlag<T extends string>(
  flags: Flags,
  name: string,
  allowed: readonly T[],
  fallback?: T,
): T | undefined {
  const raw = text(flags, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw))
    throw new UsageError(
      `--${name} must be one of ${allowed.join(", ")}; got ${JSON.stringify(raw)}.`,
    );
  return raw as T;
}

/** A comma-separated list flag whose items must be in `allowed`. */
export function listFlag<T extends string>(
  flags: Flags,
  name: string,
  allowed: readonly T[],
): T[] | undefined {
  const raw = text(flags, name);
  if (raw === undefined) return undefined;
  const items = raw
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  const bad = items.find((item) => !(allowed as readonly string[]).includes(item));
  if (bad !== undefined || items.length === 0)
    throw new UsageError(
      `--${name} takes a comma-separated list of ${allowed.join(", ")}; got ${JSON.stringify(raw)}.`,
    );
  return items as T[];
}

/**
 * A time flag: an ISO date ("2026-11-01", midnight UTC) or date-time ("2026-11-01T12:00Z").
 * @throws UsageError for anything `Date` cannot read.
 */
export function dateFlag(flags: Flags, name: string): Date | undefined {
  const raw = text(flags, name);
  if (raw === undefined) return undefined;
  const date = /^\d{4}-\d{2}-\d{2}/.test(raw) ? new Date(raw) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime()))
    throw new UsageError(
      `--${name} must be an ISO date or date-time such as 2026-11-01 or 2026-11-01T12:00:00Z; got ${JSON.stringify(raw)}.`,
    );
  return date;
}
