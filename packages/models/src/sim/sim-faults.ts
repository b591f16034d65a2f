/**
 * The errors injected faults raise. Rate limits and server errors are AI SDK `APICallError`s,
 * exactly what HTTP providers throw, so retry logic, routers and fallbacks treat a simulated
 * 429 like a real one (status, `isRetryable`, `Retry-After`). A cut stream raises
 * {@link SimStreamCutError}, the sim's stand-in for a dropped connection.
 */
import { APICallError } from "@ai-sdk/provider";
import { ConclaveError, type ErrorDisposition } from "@conclave/core";

/** A simulated stream broke mid-response (a dropped connection). Retryable. */
export class SimStreamCutError extends ConclaveError {
  override readonly disposition: ErrorDisposition = "retryable";
  /** How many output tokens were delivered before the cut. */
  readonly deliveredTokens: number;
  constructor(modelId: string, deliveredTokens: number) {
    super(
      "SIM_STREAM_CUT",
      `The simulated stream of sim model "${modelId}" was cut after ${deliveredTokens} output ` +
        `tokens (an injected "cut" fault). Retry the call, or remove the fault from the sim script.`,
    );
    this.deliveredTokens = deliveredTokens;
  }
}

/** The URL simulated errors report, so logs show which sim model failed. */
export function simUrl(modelId: string): string {
  return `sim://${encodeURIComponent(modelId)}`;
}

/** A 429 `APICallError` with a `Retry-After` header of `retryAfterSeconds`. */
export function rateLimitError(modelId: string, retryAfterSeconds: number): APICallError {
  return new APICallError({
    message: `Rate limit reached for sim model "${modelId}" (simulated); retry after ${retryAfterSeconds}s.`,
    url: simUrl(modelId),
    requestBodyValues: { model: modelId },
    statusCode: 429,
    responseHeaders: { "retry-after": String(retryAfterSeconds) },
    responseBody: JSON.stringify({ error: { type: "rate_limit_error", simulated: true } }),
    isRetryable: true,
  });
}

/** A retryable HTTP 500 `APICallError`: the default injected error. */
export function serverError(modelId: string): APICallError {
  return new APICallError({
    message: `Sim model "${modelId}" failed with an injected server error (simulated).`,
    url: simUrl(modelId),
    requestBodyValues: { model: modelId },
    statusCode: 500,
    responseBody: JSON.stringify({ error: { type: "server_error", simulated: true } }),
    isRetryable: true,
  });
}
