/**
 * Node timeouts, as LangGraph's: a hard `runTimeout` per attempt, and an `idleTimeout` that
 * any sign of progress resets (a `writer` chunk, `config.heartbeat()`, and with `refreshOn:
 * "auto"` any LangChain callback event of the node's runs). When one fires, the attempt's
 * signal aborts, late `writer` chunks are dropped, and the attempt fails with a
 * {@link NodeTimeoutError}, which a retry policy may retry.
 */
import { ConclaveError, type ErrorDisposition, InvalidGraphError } from "../errors.ts";
import { withCallbackHandler } from "./langchain-context.ts";
import type { NodeConfig } from "./types.ts";

/** How long a node attempt may run (LangGraph's `TimeoutPolicy`), in milliseconds. */
export interface TimeoutPolicy {
  runTimeout?: number;
  idleTimeout?: number;
  /** What resets the idle clock: "auto" (progress of any kind) or only "heartbeat" calls. */
  refreshOn?: "auto" | "heartbeat";
}

/** A node attempt ran past its timeout. */
export class NodeTimeoutError extends ConclaveError {
  override readonly disposition: ErrorDisposition = "retryable";
  readonly node: string;
  readonly kind: "run" | "idle";
  readonly timeout: number;
  readonly elapsed: number;
  readonly runTimeout: number | undefined;
  readonly idleTimeout: number | undefined;

  constructor(node: string, kind: "run" | "idle", elapsed: number, policy: TimeoutPolicy) {
    const timeout = (kind === "idle" ? policy.idleTimeout : policy.runTimeout) as number;
    super(
      "NODE_TIMEOUT",
      kind === "idle"
        ? `Node "${node}" exceeded its idle timeout of ${timeout}ms without making progress (elapsed: ${elapsed}ms).`
        : `Node "${node}" exceeded its run timeout of ${timeout}ms (elapsed: ${elapsed}ms).`,
    );
    this.node = node;
    this.kind = kind;
    this.timeout = timeout;
    this.elapsed = elapsed;
    this.runTimeout = policy.runTimeout;
    this.idleTimeout = policy.idleTimeout;
  }
}

function positiveMs(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || Number.isNaN(value) || value <= 0)
    throw new InvalidGraphError(
      `${field} must be greater than 0; got ${JSON.stringify(value)}. Give the timeout in milliseconds.`,
      "INVALID_TIMEOUT",
    );
  return value;
}

/**
 * A timeout option as a policy: a number is a `runTimeout`. Undefined when none is set.
 * @throws InvalidGraphError for a timeout that is not a positive number, or another `refreshOn`.
 */
export function timeoutPolicyOf(
  value: number | TimeoutPolicy | undefined,
): TimeoutPolicy | undefined {
  if (value === undefined || value === null) return undefined;
  const policy = typeof value === "number" ? { runTimeout: value } : value;
  const refreshOn = policy.refreshOn ?? "auto";
  if (refreshOn !== "auto" && refreshOn !== "heartbeat")
    throw new InvalidGraphError(
      `refreshOn must be "auto" or "heartbeat"; got ${JSON.stringify(refreshOn)}.`,
      "INVALID_TIMEOUT",
    );
  const runTimeout = positiveMs(policy.runTimeout, "runTimeout");
  const idleTimeout = positiveMs(policy.idleTimeout, "idleTimeout");
  if (runTimeout === undefined && idleTimeout === undefined) return undefined;
  return { runTimeout, idleTimeout, refreshOn };
}

/** What a timed attempt changes of the node's config. */
type Config = Pick<NodeConfig, "signal" | "callbacks" | "writer"> & { heartbeat?: () => void };

/** The attempt's progress clock; closed once its timeout fired. */
class AttemptScope {
  active = true;
  lastProgress = Date.now();
  readonly auto: boolean;
  constructor(auto: boolean) {
    this.auto = auto;
  }
  touch(): void {
    this.lastProgress = Date.now();
  }
  autoTouch(): void {
    if (this.auto) this.lastProgress = Date.now();
  }
}

/** The node's config for one timed attempt: its signal, writer, heartbeat and callbacks. */
function timedConfig<C extends Config>(
  config: C,
  scope: AttemptScope,
  policy: TimeoutPolicy,
  signal: AbortSignal,
) {
  const writer = config.writer as ((chunk: unknown) => void) | undefined;
  const scoped: C = {
    ...config,
    signal,
    heartbeat: () => scope.touch(),
    writer: (chunk: unknown) => {
      if (!scope.active) return;
      scope.autoTouch();
      writer?.(chunk);
    },
  };
  if (scope.auto && policy.idleTimeout !== undefined) {
    // A plain handler object, as LangChain accepts: every event of the node's runs is progress.
    const touch = () => scope.autoTouch();
    const handler = new Proxy(
      { name: "IdleProgressHandler" },
      {
        get: (target, key) =>
          typeof key === "string" && key.startsWith("handle") ? touch : Reflect.get(target, key),
      },
    );
    scoped.callbacks = withCallbackHandler(config.callbacks, handler);
  }
  return scoped;
}

/**
 * Runs one attempt of `node` under `policy`: resolves or rejects as the attempt does, unless a
 * watchdog fires first, which aborts the attempt and rejects with a {@link NodeTimeoutError}.
 */
export async function runWithTimeout<C extends Config, T>(
  node: string,
  config: C,
  policy: TimeoutPolicy,
  attempt: (config: C) => Promise<T>,
): Promise<T> {
  const scope = new AttemptScope((policy.refreshOn ?? "auto") === "auto");
  const controller = new AbortController();
  const signals = [config.signal, controller.signal].filter((s): s is AbortSignal => !!s);
  const started = Date.now();
  const outcome = attempt(timedConfig(config, scope, policy, AbortSignal.any(signals))).then(
    (value) => {
      // Finishing is progress, as LangGraph's callback handler sees the node's run end.
      scope.autoTouch();
      return { type: "ok" as const, value };
    },
    (error: unknown) => ({ type: "error" as const, error }),
  );
  const timers: ReturnType<typeof setTimeout>[] = [];
  const watchdog = new Promise<{ type: "timeout"; kind: "run" | "idle" }>((resolve) => {
    if (policy.runTimeout !== undefined)
      timers.push(setTimeout(() => resolve({ type: "timeout", kind: "run" }), policy.runTimeout));
    const idle = policy.idleTimeout;
    if (idle === undefined) return;
    const check = () => {
      const remaining = scope.lastProgress + idle - Date.now();
      if (remaining <= 0) resolve({ type: "timeout", kind: "idle" });
      else timers.push(setTimeout(check, remaining));
    };
    timers.push(setTimeout(check, idle));
  });
  const raced = await Promise.race([outcome, watchdog]).finally(() => {
    for (const timer of timers) clearTimeout(timer);
  });
  // A node that blocks the event loop past its timeout keeps the timers from firing.
  const first = raced.type === "timeout" ? raced : (overrun(policy, started, scope) ?? raced);
  if (first.type === "ok") return first.value;
  if (first.type === "error") throw first.error;
  scope.active = false;
  controller.abort();
  throw new NodeTimeoutError(node, first.kind, Date.now() - started, policy);
}

/** The timeout an attempt that just settled ran past, as LangGraph checks after the race. */
function overrun(policy: TimeoutPolicy, started: number, scope: AttemptScope) {
  const now = Date.now();
  if (policy.runTimeout !== undefined && now - started >= policy.runTimeout)
    return { type: "timeout" as const, kind: "run" as const };
  if (policy.idleTimeout !== undefined && now - scope.lastProgress >= policy.idleTimeout)
    return { type: "timeout" as const, kind: "idle" as const };
  return undefined;
}

/** Whether `error` is a {@link NodeTimeoutError} (LangGraph's `isNodeTimeoutError`). */
export function isNodeTimeoutError(error: unknown): error is NodeTimeoutError {
  return error instanceof NodeTimeoutError;
}
