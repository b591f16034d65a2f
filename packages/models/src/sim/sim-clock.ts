/**
 * Time for the sim model, injected so tests never sleep. The real clock waits on timers; the
 * virtual clock moves its own time forward and resolves at once, so a stream with a 300 ms
 * time-to-first-token finishes in microseconds while `now()` still reports 300 ms later.
 */
import { CancelledError } from "@conclave/core";

/** What the sim model needs from time: the current time and an abortable wait. */
export interface SimClock {
  /** Milliseconds since an epoch (wall clock or virtual). */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new CancelledError("The simulated model call was aborted.");
}

/** The default clock: `Date.now()` and `setTimeout`, with the timer cleared on abort. */
export const realClock: SimClock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortReason(signal!));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  },
};

/** A clock whose time only moves when something sleeps on it. */
export interface VirtualClock extends SimClock {
  /** Total milliseconds slept so far. */
  readonly elapsed: number;
}

/**
 * Creates a virtual clock starting at `startMs`. `sleep(ms)` adds `ms` to the time and resolves
 * on the next microtask; concurrent sleepers add up (time is sequential, not parallel), which
 * keeps results independent of scheduling. Intended for tests and offline benchmarks.
 * @example const clock = createVirtualClock(); createSim({ clock, timeToFirstTokenMs: 300 });
 */
export function createVirtualClock(startMs = 0): VirtualClock {
  let time = startMs;
  return {
    now: () => time,
    get elapsed() {
      return time - startMs;
    },
    async sleep(ms, signal) {
      if (signal?.aborted) throw abortReason(signal);
      time += Math.max(0, ms);
      await Promise.resolve();
      if (signal?.aborted) throw abortReason(signal);
    },
  };
}

/** Waits until `signal` aborts, then rejects with its reason; never resolves without one. */
export function untilAborted(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    if (!signal) return;
    if (signal.aborted) return reject(abortReason(signal));
    signal.addEventListener("abort", () => reject(abortReason(signal)), { once: true });
  });
}
