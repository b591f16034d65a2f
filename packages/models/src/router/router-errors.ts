/**
 * The router's typed errors. Each has a stable `code` and says what the runtime does next:
 * configuration and request errors are terminal; unavailability, queue timeouts and exhausted
 * fallbacks are retryable (later, when the named deployments recover).
 */
import { ConclaveError, type ErrorDisposition } from "@conclave/core";

interface ErrorOptions {
  cause?: unknown;
}

/** The router configuration is inconsistent: duplicate ids, an alias naming no deployment... */
export class InvalidRouterConfigError extends ConclaveError {
  constructor(message: string, options?: ErrorOptions) {
    super("INVALID_ROUTER_CONFIG", message, options);
  }
}

/** A limit, timeout, weight or breaker setting is negative, fractional where it must not be, or not finite. */
export class InvalidLimitError extends ConclaveError {
  /** Where the bad value sits, e.g. `deployments[gpt-4o].limits.rpm`. */
  readonly field: string;
  readonly value: unknown;
  constructor(field: string, value: unknown, expected: string) {
    super(
      "INVALID_LIMIT",
      `Router config ${field} is ${JSON.stringify(value)}, but it must be ${expected}; fix the ` +
        `value or remove it to leave the limit unset.`,
    );
    this.field = field;
    this.value = value;
  }
}

/** A call named an alias the router does not have. */
export class UnknownAliasError extends ConclaveError {
  readonly alias: string;
  readonly validAliases: readonly string[];
  constructor(alias: string, validAliases: readonly string[]) {
    super(
      "UNKNOWN_ALIAS",
      `No model alias "${alias}"; valid aliases are ${validAliases.map((a) => `"${a}"`).join(", ")}. ` +
        `Use one of them or add "${alias}" to the router's aliases.`,
    );
    this.alias = alias;
    this.validAliases = validAliases;
  }
}

/** No deployment of the alias has the capabilities or context window the call needs. */
export class NoCapableDeploymentError extends ConclaveError {
  readonly alias: string;
  /** Why each deployment was rejected, by id. */
  readonly rejected: Readonly<Record<string, string>>;
  constructor(alias: string, needs: string, rejected: Record<string, string>) {
    const why = Object.entries(rejected)
      .map(([id, reason]) => `${id}: ${reason}`)
      .join("; ");
    super(
      "NO_CAPABLE_DEPLOYMENT",
      `No deployment of alias "${alias}" can serve a call that needs ${needs} (${why}). Add a ` +
        `capable deployment to the alias or shorten the request.`,
    );
    this.alias = alias;
    this.rejected = rejected;
  }
}

/**
 * Every remaining candidate is cooled down (Retry-After) or has an open circuit breaker, and
 * the earliest retry is further away than the call may wait.
 */
export class DeploymentUnavailableError extends ConclaveError {
  override readonly disposition: ErrorDisposition = "retryable";
  readonly alias: string;
  readonly deploymentIds: readonly string[];
  /** Clock time the earliest candidate is tried again, or `undefined` when a probe is running. */
  readonly retryAt: number | undefined;
  /** Milliseconds from the error to `retryAt`. */
  readonly retryAfterMs: number | undefined;
  constructor(details: {
    alias: string;
    deploymentIds: readonly string[];
    states: string;
    now: number;
    retryAt: number | undefined;
  }) {
    const { alias, deploymentIds, states, now, retryAt } = details;
    const when =
      retryAt === undefined
        ? "a half-open probe is still running; it will be retried when the probe ends"
        : `it will be retried at t=${retryAt} (in ${retryAt - now} ms)`;
    super(
      "DEPLOYMENT_UNAVAILABLE",
      `Alias "${alias}" has no deployment available now (${states}); ${when}. Call again ` +
        `after that, raise maxWaitMs to wait inside the router, or add a deployment to "${alias}".`,
    );
    this.alias = alias;
    this.deploymentIds = deploymentIds;
    this.retryAt = retryAt;
    this.retryAfterMs = retryAt === undefined ? undefined : retryAt - now;
  }
}

/** A call waited longer than the alias's `queueTimeoutMs` for a saturated deployment. */
export class QueueTimeoutError extends ConclaveError {
  override readonly disposition: ErrorDisposition = "retryable";
  readonly alias: string;
  readonly waitedMs: number;
  constructor(alias: string, waitedMs: number, states: string) {
    super(
      "QUEUE_TIMEOUT",
      `A call to alias "${alias}" waited ${waitedMs} ms in the queue and no deployment freed ` +
        `up (${states}). Raise queueTimeoutMs or the deployments' limits, or use overflow "next".`,
    );
    this.alias = alias;
    this.waitedMs = waitedMs;
  }
}

/** A deployment rejected the request in a way retrying elsewhere cannot fix (400, 401, 403...). */
export class DeploymentRequestError extends ConclaveError {
  readonly deploymentId: string;
  readonly statusCode: number | undefined;
  constructor(deploymentId: string, statusCode: number | undefined, cause: unknown) {
    const status = statusCode === undefined ? "" : ` with HTTP ${statusCode}`;
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(
      "DEPLOYMENT_REQUEST_FAILED",
      `Deployment "${deploymentId}" rejected the call${status}: ${detail}. This is not ` +
        `retryable; fix the request or the deployment's credentials.`,
      { cause },
    );
    this.deploymentId = deploymentId;
    this.statusCode = statusCode;
  }
}

/** A deployment did not answer (or, when streaming, send a first token) within `timeoutMs`. */
export class DeploymentTimeoutError extends ConclaveError {
  override readonly disposition: ErrorDisposition = "retryable";
  readonly deploymentId: string;
  readonly timeoutMs: number;
  constructor(deploymentId: string, timeoutMs: number, what: string) {
    super(
      "DEPLOYMENT_TIMEOUT",
      `Deployment "${deploymentId}" sent no ${what} within ${timeoutMs} ms; the router falls ` +
        `back to the next candidate. Raise the deployment's timeoutMs if it is just slow.`,
    );
    this.deploymentId = deploymentId;
    this.timeoutMs = timeoutMs;
  }
}

/** One failed attempt of a call. */
export interface FailedAttempt {
  readonly deploymentId: string;
  readonly error: string;
}

/** Every candidate failed with retryable errors, or the call used up its attempts. */
export class RouteExhaustedError extends ConclaveError {
  override readonly disposition: ErrorDisposition = "retryable";
  readonly alias: string;
  readonly attempts: readonly FailedAttempt[];
  constructor(alias: string, attempts: readonly FailedAttempt[], cause: unknown) {
    const list = attempts.map((a) => `${a.deploymentId}: ${a.error}`).join("; ");
    super(
      "ROUTE_EXHAUSTED",
      `Every deployment of alias "${alias}" failed (${list}). Retry later; the failing ` +
        `deployments are cooled down by their circuit breakers.`,
      { cause },
    );
    this.alias = alias;
    this.attempts = attempts;
  }
}

/**
 * A stream broke after tokens reached the caller. The router does not retry it: the caller
 * already holds a partial answer, and a second deployment would answer differently.
 */
export class StreamInterruptedError extends ConclaveError {
  override readonly disposition: ErrorDisposition = "retryable";
  readonly deploymentId: string;
  /** Content deltas (text, reasoning, tool input) delivered before the break. */
  readonly deliveredTokens: number;
  constructor(deploymentId: string, deliveredTokens: number, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : JSON.stringify(cause);
    super(
      "STREAM_INTERRUPTED",
      `The stream from deployment "${deploymentId}" broke after ${deliveredTokens} tokens had ` +
        `been delivered (${detail}). It was not retried; discard the partial answer and call ` +
        `again if a complete one is needed.`,
      { cause },
    );
    this.deploymentId = deploymentId;
    this.deliveredTokens = deliveredTokens;
  }
}
