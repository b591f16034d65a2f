/**
 * Conclave's typed errors. Every error has a stable `code` (for programs) and a message that
 * says what happened, the value seen and what to do (for people). Subclasses tell the runtime
 * what happens next: a terminal error fails the run, a retryable one may be retried, and an
 * interrupt pauses it.
 */

/** How the runtime treats an error. */
export type ErrorDisposition = "terminal" | "retryable" | "paused";

export interface ConclaveErrorOptions {
  cause?: unknown;
}

/** Base class of every error Conclave throws on purpose. */
export class ConclaveError extends Error {
  readonly code: string;
  readonly disposition: ErrorDisposition = "terminal";
  /** LangGraph's name for the code, so code written against LangGraph can switch on it. */
  get lc_error_code(): string {
    return this.code;
  }

  constructor(code: string, message: string, options: ConclaveErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** A graph definition is invalid: unknown nodes, duplicate names, no entry point. */
export class InvalidGraphError extends ConclaveError {
  constructor(message: string, code = "INVALID_GRAPH", options?: ConclaveErrorOptions) {
    super(code, message, options);
  }
}

/** A node or input wrote something the state cannot accept. */
export class InvalidUpdateError extends ConclaveError {
  constructor(message: string, code = "INVALID_UPDATE", options?: ConclaveErrorOptions) {
    super(code, message, options);
  }
}

/** The run did not finish within `recursionLimit` supersteps. */
export class GraphRecursionError extends ConclaveError {
  constructor(message: string, options?: ConclaveErrorOptions) {
    super("GRAPH_RECURSION_LIMIT", message, options);
  }
}

/** A graph was invoked with no input on a thread that has nothing to resume. */
export class EmptyInputError extends ConclaveError {
  constructor(message: string, options?: ConclaveErrorOptions) {
    super("EMPTY_INPUT", message, options);
  }
}

/** A node no edge, route or `ends` declaration can reach. */
export class UnreachableNodeError extends ConclaveError {
  constructor(message: string, options?: ConclaveErrorOptions) {
    super("UNREACHABLE_NODE", message, options);
  }
}

/** A node referenced by a route, `Send` or `Command` does not exist. */
export class UnknownNodeError extends ConclaveError {
  constructor(message: string, options?: ConclaveErrorOptions) {
    super("UNKNOWN_NODE", message, options);
  }
}

/** A value in state or a write cannot be stored (a function, a class instance, a symbol...). */
export class NotSerializableError extends ConclaveError {
  readonly path: string;
  constructor(path: string, message: string, options?: ConclaveErrorOptions) {
    super("NOT_SERIALIZABLE", message, options);
    this.path = path;
  }
}

/** Stored data cannot be read: corrupt, or written by a newer format version. */
export class CheckpointFormatError extends ConclaveError {
  constructor(message: string, options?: ConclaveErrorOptions) {
    super("CHECKPOINT_FORMAT", message, options);
  }
}

/** A requested thread or checkpoint does not exist. */
export class CheckpointNotFoundError extends ConclaveError {
  constructor(message: string, options?: ConclaveErrorOptions) {
    super("CHECKPOINT_NOT_FOUND", message, options);
  }
}

/** The caller used an API wrongly (missing thread_id, bad option value...). */
export class InvalidArgumentError extends ConclaveError {
  constructor(message: string, code = "INVALID_ARGUMENT", options?: ConclaveErrorOptions) {
    super(code, message, options);
  }
}

/** A run was cancelled through its AbortSignal. Named "AbortError", as fetch and LangGraph name it. */
export class CancelledError extends ConclaveError {
  constructor(
    message = "The run was cancelled through its AbortSignal.",
    options?: ConclaveErrorOptions,
  ) {
    super("CANCELLED", message, options);
    this.name = "AbortError";
  }
}

/** A graph feature was used in a way its configuration does not allow (e.g. interrupt() with no checkpointer). */
export class GraphValueError extends ConclaveError {
  constructor(message: string, code = "GRAPH_VALUE", options?: ConclaveErrorOptions) {
    super(code, message, options);
  }
}

/** Normalises any thrown value into an Error, so catch blocks handle one type. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === "string") return new Error(value);
  try {
    return new Error(`Non-error value thrown: ${JSON.stringify(value)}`);
  } catch {
    return new Error(`Non-error value thrown: ${String(value)}`);
  }
}
