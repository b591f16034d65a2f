/**
 * `tool()`: a typed tool definition (zod v4 schema, execute function, approval policy, time and
 * output limits) with its JSON Schema generated once for providers. `invokeTool` is the one
 * guarded path every execution takes: validate, run with an abort signal and a deadline, cap.
 */
import { z } from "zod";
import {
  ToolDefinitionError,
  type ToolIssue,
  ToolTimeoutError,
  ToolValidationError,
} from "./errors.ts";
import { capOutput, DEFAULT_MAX_OUTPUT_CHARS } from "./output.ts";

/** Default deadline of a tool call. Safe by default: nothing runs unbounded. */
export const DEFAULT_TOOL_TIMEOUT_MS = 30_000;

/** What `execute` receives besides its arguments. */
export interface ToolContext {
  /** Aborted on timeout or when the run is cancelled; pass it to fetch, execFile, etc. */
  signal: AbortSignal;
  /** The model's id for this call, when known. */
  toolCallId?: string;
}

/**
 * Whether a call needs a human's approval: `true` for every call, or a predicate over the
 * validated arguments. A predicate may return a string: the call needs approval, for that reason.
 */
export type ApprovalPolicy<Args> = boolean | ((args: Args) => boolean | string);

/** What `tool()` takes. */
export interface ToolConfig<S extends z.ZodType, Out> {
  /** Provider-safe name: letters, digits, `_` and `-`, at most 64 characters. */
  name: string;
  description: string;
  /** A zod v4 schema of the arguments; an object schema for providers. */
  schema: S;
  execute(args: z.output<S>, context: ToolContext): Promise<Out> | Out;
  requiresApproval?: ApprovalPolicy<z.output<S>>;
  /**
   * Whether the tool changes anything outside the run (writes, sends, spends). Default true:
   * an unmarked tool is treated as side-effecting, so `manual` mode asks before it and
   * `read-only` mode refuses it. Mark pure lookups `false`.
   */
  sideEffects?: boolean;
  /** Deadline in ms (default {@link DEFAULT_TOOL_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Output cap in characters (default 20,000). */
  maxOutputChars?: number;
}

/** A defined tool: the config with defaults applied and its JSON Schema. */
export interface Tool<S extends z.ZodType = z.ZodType, Out = unknown> extends ToolConfig<S, Out> {
  readonly sideEffects: boolean;
  readonly timeoutMs: number;
  readonly maxOutputChars: number;
  /** JSON Schema (draft 2020-12) of the arguments, as sent to providers. */
  readonly jsonSchema: Record<string, unknown>;
}

/** A tool of any schema and output, as tool sets hold them. */
// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous tool set needs an erased argument type
export type AnyTool = Tool<z.ZodType<any>, unknown>;

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Defines a tool. Pure: nothing runs until the tool is invoked (through `runTools`,
 * `invokeTool` or its AI SDK form).
 *
 * @example
 * const add = tool({
 *   name: "add",
 *   description: "Adds two numbers",
 *   schema: z.object({ a: z.number(), b: z.number() }),
 *   execute: ({ a, b }) => a + b,
 * });
 */
export function tool<S extends z.ZodType, Out>(config: ToolConfig<S, Out>): Tool<S, Out> {
  if (!NAME.test(config.name)) {
    throw new ToolDefinitionError(
      `Tool name ${JSON.stringify(config.name)} is not provider-safe; use 1-64 letters, digits, "_" or "-".`,
    );
  }
  const timeoutMs = positive(config.name, "timeoutMs", config.timeoutMs, DEFAULT_TOOL_TIMEOUT_MS);
  const maxOutputChars = positive(
    config.name,
    "maxOutputChars",
    config.maxOutputChars,
    DEFAULT_MAX_OUTPUT_CHARS,
  );
  const jsonSchema = z.toJSONSchema(config.schema, { io: "input" }) as Record<string, unknown>;
  if (jsonSchema.type !== "object") {
    throw new ToolDefinitionError(
      `Tool "${config.name}" has a schema of type ${JSON.stringify(jsonSchema.type)}; providers need an object. Wrap the arguments in z.object({...}).`,
    );
  }
  return {
    ...config,
    sideEffects: config.sideEffects ?? true,
    timeoutMs,
    maxOutputChars,
    jsonSchema,
  };
}

function positive(name: string, field: string, value: number | undefined, fallback: number) {
  if (value === undefined) return fallback;
  if (Number.isFinite(value) && value > 0) return value;
  throw new ToolDefinitionError(
    `Tool "${name}" has ${field} ${value}; use a positive number, or leave it out for ${fallback}.`,
  );
}

/** Validates `args` against the tool's schema; throws {@link ToolValidationError} listing every issue. */
export function parseArgs<S extends z.ZodType>(t: Tool<S, unknown>, args: unknown): z.output<S> {
  const result = t.schema.safeParse(args);
  if (result.success) return result.data;
  const issues: ToolIssue[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
    received: valueAt(args, issue.path),
  }));
  throw new ToolValidationError(t.name, issues, { cause: result.error });
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * Whether a call with these (validated) arguments needs approval, and why. Returns the reason,
 * or undefined when no approval is needed. Pure unless the predicate is not.
 */
export function approvalReason<S extends z.ZodType>(
  t: Tool<S, unknown>,
  args: z.output<S>,
): string | undefined {
  const policy = t.requiresApproval;
  const verdict = typeof policy === "function" ? policy(args) : policy;
  if (verdict === undefined || verdict === false) return undefined;
  return typeof verdict === "string" ? verdict : `Tool "${t.name}" requires approval.`;
}

/** Options of one guarded invocation. */
export interface InvokeOptions {
  /** The run's signal; aborting it aborts the tool. */
  signal?: AbortSignal;
  toolCallId?: string;
}

/**
 * Runs a tool once: validates `args`, runs `execute` with a signal that aborts at the deadline,
 * and caps the output. Throws {@link ToolValidationError}, {@link ToolTimeoutError} (even when
 * `execute` ignores its signal), or whatever `execute` threw. Does not ask for approval: that is
 * `runTools`' job.
 */
export async function invokeTool<S extends z.ZodType, Out>(
  t: Tool<S, Out>,
  args: unknown,
  options: InvokeOptions = {},
): Promise<unknown> {
  const parsed = parseArgs(t, args);
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) onParentAbort();
  options.signal?.addEventListener("abort", onParentAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    const fail = () => reject(controller.signal.reason);
    controller.signal.addEventListener("abort", fail, { once: true });
    timer = setTimeout(
      () => controller.abort(new ToolTimeoutError(t.name, t.timeoutMs)),
      t.timeoutMs,
    );
  });
  try {
    const context: ToolContext = { signal: controller.signal, toolCallId: options.toolCallId };
    const output = await Promise.race([
      Promise.resolve().then(() => t.execute(parsed, context)),
      deadline,
    ]);
    return capOutput(output, t.maxOutputChars);
  } catch (error) {
    // execute may reject with its own AbortError after our abort; report the timeout instead.
    if (controller.signal.reason instanceof ToolTimeoutError) throw controller.signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onParentAbort);
  }
}
