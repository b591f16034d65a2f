/**
 * Typed errors of the tool layer. Every class has a stable `code`; messages say what was wrong,
 * the value seen and what to do. Inside `runTools` these errors become `{ error }` tool results
 * the model can read, so they are phrased for a model as much as for a person.
 */
import { ConclaveError } from "@conclave/core";

/** Options every error here takes (core does not export its own). */
interface ConclaveErrorOptions {
  cause?: unknown;
}

/** Arguments did not match a tool's schema. Terminal for the call; the model may retry. */
export class ToolValidationError extends ConclaveError {
  /** One entry per schema issue: the path, what was wrong and the value seen. */
  readonly issues: readonly ToolIssue[];
  constructor(tool: string, issues: readonly ToolIssue[], options?: ConclaveErrorOptions) {
    const list = issues
      .map((i) => `  - ${i.path || "(root)"}: ${i.message} (got ${preview(i.received)})`)
      .join("\n");
    super(
      "TOOL_INVALID_ARGS",
      `Tool "${tool}" got invalid arguments:\n${list}\nCall it again with arguments matching its schema.`,
      options,
    );
    this.issues = issues;
  }
}

/** One schema issue, as listed by {@link ToolValidationError}. */
export interface ToolIssue {
  /** Dotted path to the bad value, e.g. `items.2.name` ("" for the root). */
  path: string;
  message: string;
  /** The value found at `path` (undefined when missing). */
  received: unknown;
}

/** A tool ran past its `timeoutMs`. Retryable: a later call may be faster. */
export class ToolTimeoutError extends ConclaveError {
  override readonly disposition = "retryable" as const;
  constructor(tool: string, timeoutMs: number, options?: ConclaveErrorOptions) {
    super(
      "TOOL_TIMEOUT",
      `Tool "${tool}" did not finish within ${timeoutMs} ms and was aborted. ` +
        "Retry with a smaller request, or raise the tool's timeoutMs.",
      options,
    );
  }
}

/** The model called a tool that is not in the tool set. */
export class ToolNotFoundError extends ConclaveError {
  constructor(name: string, available: readonly string[]) {
    super(
      "TOOL_NOT_FOUND",
      `No tool named "${name}"; available tools: ${available.map((n) => `"${n}"`).join(", ") || "(none)"}. ` +
        "Call one of the available tools.",
    );
  }
}

/** A side-effecting tool was called while the run is in `read-only` mode. */
export class ToolRefusedError extends ConclaveError {
  constructor(name: string) {
    super(
      "TOOL_READ_ONLY",
      `Tool "${name}" has side effects and this assistant runs in read-only mode, so it was not ` +
        "run. Answer without it, or ask an administrator to switch the mode to auto or manual.",
    );
  }
}

/** A tool definition is invalid (bad name, non-object schema, bad limits). */
export class ToolDefinitionError extends ConclaveError {
  constructor(message: string) {
    super("TOOL_DEFINITION", message);
  }
}

/** A built-in tool refused a request for safety (command, path or address not allowed). */
export class ToolPolicyError extends ConclaveError {
  /** Which guard refused: `shell`, `path` or `network`. */
  readonly guard: "shell" | "path" | "network";
  constructor(guard: "shell" | "path" | "network", code: string, message: string) {
    super(code, message);
    this.guard = guard;
  }
}

/** A short, safe rendering of a value for an error message. Pure. */
export function preview(value: unknown, max = 80): string {
  let text: string;
  try {
    text = value === undefined ? "undefined" : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
