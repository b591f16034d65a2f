import { GraphInterrupt } from "./interrupt.ts";

/** When and how often to retry a failing node. No retries happen unless a policy is set. */
export interface RetryPolicy {
  /** Attempts in total, including the first. Default 3. */
  maxAttempts?: number;
  /** Milliseconds before the first retry. Default 500. */
  initialInterval?: number;
  /** Multiplier per retry. Default 2. */
  backoffFactor?: number;
  /** Upper bound of one wait, in milliseconds. Default 128000. */
  maxInterval?: number;
  /** Randomise waits to avoid thundering herds. Default true. */
  jitter?: boolean;
  /** Which errors to retry. Default: all but aborts, interrupts, and HTTP 400-409 client errors. */
  retryOn?: (error: unknown) => boolean;
  /** Log a warning on each retry. Default true. */
  logWarning?: boolean;
}

const NO_RETRY_STATUS = new Set([400, 401, 402, 403, 404, 405, 406, 407, 408, 409]);

/** LangGraph's default retry predicate. Pure. */
export function defaultRetryOn(error: unknown): boolean {
  if (error instanceof GraphInterrupt) return false;
  const e = error as {
    name?: string;
    code?: string;
    status?: number;
    response?: { status?: number };
  } | null;
  if (!e || typeof e !== "object") return true;
  if (e.name === "AbortError" || e.name === "CancelledError" || e.name === "GraphValueError")
    return false;
  if (e.code === "ECONNABORTED" || e.code === "insufficient_quota") return false;
  const status = e.status ?? e.response?.status;
  return !(status !== undefined && NO_RETRY_STATUS.has(status));
}

/** Milliseconds to wait before retry number `attempt` (1-based). Pure apart from jitter. */
export function retryDelay(policy: RetryPolicy, attempt: number): number {
  const base = (policy.initialInterval ?? 500) * (policy.backoffFactor ?? 2) ** (attempt - 1);
  const capped = Math.min(base, policy.maxInterval ?? 128_000);
  return policy.jitter === false ? capped : capped + Math.random() * 1000 * (capped > 0 ? 1 : 0);
}

/** Waits `ms`, or rejects early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Runs `attempt` (given its number, from 1) under `policy`: a failure is retried while the
 * policy allows it, after its delay. An interrupt, an abort of `signal`, or an error `final`
 * accepts is never retried. Without a policy, one attempt.
 */
export async function retrying<T>(
  policy: RetryPolicy | undefined,
  attempt: (n: number) => Promise<T>,
  signal?: AbortSignal,
  final: (error: unknown) => boolean = () => false,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      const retry =
        policy &&
        n < (policy.maxAttempts ?? 3) &&
        !signal?.aborted &&
        !(error instanceof GraphInterrupt) &&
        !final(error) &&
        (policy.retryOn ?? defaultRetryOn)(error);
      if (!retry) throw error;
      await sleep(retryDelay(policy, n), signal);
    }
  }
}
