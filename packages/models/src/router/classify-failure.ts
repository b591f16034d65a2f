/**
 * Sorts a failed model call into retryable (fall back to another deployment) or not (surface at
 * once), and reads the server's Retry-After. Works on AI SDK `APICallError`s, the router's own
 * timeouts, Conclave errors that declare themselves retryable, and Node/undici network errors.
 */
import { APICallError } from "@ai-sdk/provider";
import { ConclaveError, toError } from "@conclave/core";

/** A classified failure. */
export interface Failure {
  readonly error: Error;
  readonly retryable: boolean;
  readonly statusCode: number | undefined;
  /** From `retry-after-ms` or `retry-after` (seconds or an HTTP date), when the server sent one. */
  readonly retryAfterMs: number | undefined;
  /** One line for decisions and error lists, e.g. "HTTP 429 (Retry-After 7000 ms)". */
  readonly summary: string;
}

/** Network error codes that mean the connection, not the request, failed. */
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/** Error names that mean a transient transport failure. */
const TRANSIENT_NAMES = new Set(["TimeoutError", "FetchError"]);

/** HTTP statuses worth another deployment even when the provider did not flag them. */
const RETRYABLE_STATUS = new Set([408, 409, 425, 429]);

/**
 * Classifies a thrown value or stream error part. `now` converts an HTTP-date Retry-After. Pure.
 */
export function classifyFailure(value: unknown, now: number): Failure {
  const error = toFailureError(value);
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    const retryable =
      error.isRetryable ||
      (status !== undefined && (RETRYABLE_STATUS.has(status) || status >= 500));
    const retryAfterMs = readRetryAfter(error.responseHeaders, now);
    const after = retryAfterMs === undefined ? "" : ` (Retry-After ${retryAfterMs} ms)`;
    const label = status === undefined ? "API call failed" : `HTTP ${status}`;
    return { error, retryable, statusCode: status, retryAfterMs, summary: `${label}${after}` };
  }
  const retryable =
    (error instanceof ConclaveError && error.disposition === "retryable") || isNetworkError(error);
  return {
    error,
    retryable,
    statusCode: undefined,
    retryAfterMs: undefined,
    summary: `${error.name}: ${error.message}`.slice(0, 200),
  };
}

/** Stream error parts often carry plain objects (a provider's error event); make them Errors. */
function toFailureError(value: unknown): Error {
  if (value instanceof Error || typeof value !== "object" || value === null) return toError(value);
  const message = (value as { message?: unknown }).message;
  const error = toError(value);
  if (typeof message === "string") error.message = message;
  // A provider's mid-stream error event (overloaded, server_error) is transient by nature.
  error.name = "StreamErrorEvent";
  return error;
}

function isNetworkError(error: Error): boolean {
  if (TRANSIENT_NAMES.has(error.name) || error.name === "StreamErrorEvent") return true;
  if (error.name === "TypeError" && /fetch failed|terminated|network/i.test(error.message)) {
    return true;
  }
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
  }
  return false;
}

/** Reads `retry-after-ms`, else `retry-after` as seconds or an HTTP date. Pure. */
export function readRetryAfter(
  headers: Record<string, string> | undefined,
  now: number,
): number | undefined {
  if (!headers) return undefined;
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const ms = Number(lower.get("retry-after-ms"));
  if (lower.has("retry-after-ms") && Number.isFinite(ms) && ms >= 0) return Math.ceil(ms);
  const value = lower.get("retry-after")?.trim();
  if (value === undefined || value === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
