/**
 * Runs one model call with the caller's abort signal and the deployment's timeout on the
 * injected clock. The call always sees one combined signal; when the timeout fires the signal
 * aborts with a {@link DeploymentTimeoutError} and the race ends at once, even if the model
 * ignores its signal.
 */
import { realClock } from "../sim/sim-clock.ts";
import { DeploymentTimeoutError } from "./router-errors.ts";
import type { RouterClock } from "./router-types.ts";

/** The default router clock: wall-clock time and real timers. */
export const systemRouterClock: RouterClock = realClock;

/**
 * Calls `run` with a signal that aborts on `callerSignal` or after `timeoutMs` (when set).
 * Without a timeout `run` gets the caller's signal as is (undefined when there is none).
 * @throws DeploymentTimeoutError (code `DEPLOYMENT_TIMEOUT`) when the timeout wins.
 */
export async function timedCall<T>(
  clock: RouterClock,
  deployment: { readonly id: string; readonly timeoutMs?: number | undefined },
  what: string,
  callerSignal: AbortSignal | undefined,
  run: (signal: AbortSignal | undefined) => PromiseLike<T>,
): Promise<T> {
  const timeoutMs = deployment.timeoutMs;
  if (timeoutMs === undefined) return run(callerSignal);
  const timeout = new AbortController();
  const signal = callerSignal ? AbortSignal.any([callerSignal, timeout.signal]) : timeout.signal;
  const call = Promise.resolve(run(signal));
  // A call that loses the race rejects later, when it sees the abort; that rejection is expected.
  call.catch(() => {});
  const timer = new AbortController();
  const expired = clock.sleep(timeoutMs, timer.signal).then(
    () => {
      const error = new DeploymentTimeoutError(deployment.id, timeoutMs, what);
      timeout.abort(error);
      throw error;
    },
    () => new Promise<never>(() => {}),
  );
  try {
    return await Promise.race([call, expired]);
  } finally {
    timer.abort();
  }
}
