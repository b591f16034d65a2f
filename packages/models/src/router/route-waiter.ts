/**
 * Admission with waiting. A call takes a ticket in its alias's line; the head of the line runs
 * the selector and either gets a lease or learns how long to wait. Waiters sleep until
 * something changes (a lease settles, a ticket leaves) or the next known time (a cooldown or
 * window expiry, a deadline), always on the injected clock.
 *
 * Two waits, two bounds:
 * - saturated (a limit is reached): bounded by the alias's `queueTimeoutMs` -> QueueTimeoutError;
 * - unavailable (cooling down, breaker open, probe running): bounded by `maxWaitMs`. A retry
 *   time beyond the bound fails fast -> DeploymentUnavailableError naming that time.
 */

import { AdmissionQueue, ChangeSignal, type Ticket } from "./admission-queue.ts";
import type { CallProfile } from "./call-profile.ts";
import type { DeploymentRuntime, Lease } from "./deployment-runtime.ts";
import type { ResolvedAlias } from "./router-config.ts";
import { DeploymentUnavailableError, QueueTimeoutError } from "./router-errors.ts";
import type {
  RandomSource,
  RouteCallOptions,
  RouterClock,
  RoutingDecision,
} from "./router-types.ts";
import { type Selection, selectDeployment, type TriedDeployment } from "./select-deployment.ts";

/** A call that got a deployment. */
export interface Admitted {
  readonly runtime: DeploymentRuntime;
  readonly lease: Lease;
  readonly decision: RoutingDecision;
}

/** What one admission needs. */
export interface AdmissionRequest {
  readonly alias: ResolvedAlias;
  readonly capable: readonly DeploymentRuntime[];
  readonly profile: CallProfile;
  readonly stream: boolean;
  readonly call: RouteCallOptions;
  readonly tried: ReadonlyMap<string, TriedDeployment>;
  readonly attempt: number;
  readonly fallbackFrom: string | undefined;
}

/** The router's lines and change signal. */
export class RouteWaiter {
  readonly #clock: RouterClock;
  readonly #random: RandomSource;
  readonly #queues = new Map<string, AdmissionQueue>();
  readonly #changes = new ChangeSignal();

  /** Creates empty lines for `aliases`. */
  constructor(clock: RouterClock, random: RandomSource, aliases: readonly string[]) {
    this.#clock = clock;
    this.#random = random;
    for (const alias of aliases) this.#queues.set(alias, new AdmissionQueue());
  }

  /** Wakes every waiter to re-check (call after a lease settles). */
  changed(): void {
    this.#changes.notify();
  }

  /** Tickets per alias. */
  queueDepths(): Record<string, number> {
    return Object.fromEntries([...this.#queues].map(([alias, queue]) => [alias, queue.size]));
  }

  /**
   * Waits for a lease; `"exhausted"` when every candidate already failed in this call.
   * @throws QueueTimeoutError, DeploymentUnavailableError, or the signal's reason on abort.
   */
  acquire(request: AdmissionRequest): Admitted | "exhausted" | Promise<Admitted | "exhausted"> {
    const queue = this.#queues.get(request.alias.name)!;
    const ticket = queue.enter(request.call.priority ?? 0, this.#clock.now());
    // The first look is synchronous: most calls are admitted at once, without a promise.
    let wakeAt: Admitted | "exhausted" | number;
    try {
      request.call.signal?.throwIfAborted();
      wakeAt = this.#step(request, queue, ticket);
    } catch (error) {
      this.#leave(queue, ticket);
      throw error;
    }
    if (typeof wakeAt !== "number") {
      this.#leave(queue, ticket);
      return wakeAt;
    }
    return this.#wait(request, queue, ticket, wakeAt);
  }

  async #wait(
    request: AdmissionRequest,
    queue: AdmissionQueue,
    ticket: Ticket,
    firstWakeAt: number,
  ): Promise<Admitted | "exhausted"> {
    let wakeAt: Admitted | "exhausted" | number = firstWakeAt;
    try {
      while (typeof wakeAt === "number") {
        await this.#sleepUntilChange(wakeAt, request.call.signal);
        request.call.signal?.throwIfAborted();
        wakeAt = this.#step(request, queue, ticket);
      }
      return wakeAt;
    } finally {
      this.#leave(queue, ticket);
    }
  }

  #leave(queue: AdmissionQueue, ticket: Ticket): void {
    queue.leave(ticket);
    this.#changes.notify();
  }

  /** One look at the line: a lease, "exhausted", or the time to look again. */
  #step(
    request: AdmissionRequest,
    queue: AdmissionQueue,
    ticket: Ticket,
  ): Admitted | "exhausted" | number {
    const now = this.#clock.now();
    const { alias } = request;
    const queueDeadline = ticket.enteredAt + alias.queueTimeoutMs;
    if (!queue.isHead(ticket)) {
      if (now >= queueDeadline) {
        throw new QueueTimeoutError(
          alias.name,
          now - ticket.enteredAt,
          `${queue.size - 1} calls ahead`,
        );
      }
      return queueDeadline;
    }
    const selection = selectDeployment({
      alias: alias.name,
      strategy: alias.strategy,
      overflow: alias.overflow,
      latencySlaMs: alias.latencySlaMs,
      candidates: request.capable,
      tried: request.tried,
      profile: request.profile,
      stream: request.stream,
      random: this.#random,
      now,
      attempt: request.attempt,
      fallbackFrom: request.fallbackFrom,
      waitedMs: now - ticket.enteredAt,
    });
    if (selection.kind === "exhausted") return "exhausted";
    if (selection.kind === "admit") {
      const estimate = request.profile.promptTokens + request.profile.outputTokens;
      const lease = selection.runtime.admit(now, estimate);
      return { runtime: selection.runtime, lease, decision: selection.decision };
    }
    return this.#nextLook(selection, alias, ticket, now);
  }

  #nextLook(
    selection: Extract<Selection, { kind: "wait" }>,
    alias: ResolvedAlias,
    ticket: Ticket,
    now: number,
  ): number {
    const waited = now - ticket.enteredAt;
    if (selection.saturated) {
      const deadline = ticket.enteredAt + alias.queueTimeoutMs;
      if (now >= deadline) throw new QueueTimeoutError(alias.name, waited, selection.states);
      return Math.min(selection.until ?? deadline, deadline);
    }
    const deadline = ticket.enteredAt + alias.maxWaitMs;
    const retryAt = selection.until;
    if ((retryAt !== undefined && retryAt > deadline) || now >= deadline) {
      throw new DeploymentUnavailableError({
        alias: alias.name,
        deploymentIds: selection.ids,
        states: selection.states,
        now,
        retryAt,
      });
    }
    return retryAt ?? deadline;
  }

  /** Sleeps until `wakeAt`, a change, or an abort, whichever comes first. */
  async #sleepUntilChange(wakeAt: number, signal: AbortSignal | undefined): Promise<void> {
    const timer = new AbortController();
    // At least 1 ms, so a deadline equal to now cannot spin without the clock moving.
    const ms = Math.max(1, wakeAt - this.#clock.now());
    const waits: Promise<unknown>[] = [
      this.#changes.next(),
      this.#clock.sleep(ms, timer.signal).catch(() => {}),
    ];
    let onAbort: (() => void) | undefined;
    if (signal) {
      waits.push(
        new Promise<void>((resolve) => {
          onAbort = resolve;
          signal.addEventListener("abort", onAbort, { once: true });
        }),
      );
    }
    try {
      await Promise.race(waits);
    } finally {
      timer.abort();
      if (onAbort) signal?.removeEventListener("abort", onAbort);
    }
  }
}
