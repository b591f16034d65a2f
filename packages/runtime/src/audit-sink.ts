/**
 * How the runtime writes the audit trail. `sync` appends before the action it records returns
 * (nothing is ever missing from the trail, at a round trip per event); `async` (the default)
 * groups events from one tick into one append, so a crash can lose the last few milliseconds;
 * `exit` holds a run's lifecycle events and appends them once, when the run ends. A failed
 * append is logged and retried with the next batch, never allowed to fail the run.
 *
 * Where the store allows it, a run's events travel in the store's own statements: `run.created`
 * in the transaction that creates the run (`RunQueue.enqueueAudited`), the run's held events
 * and its end in the one that ends it (`RunQueue.finishAudited`); the log chains them from its
 * outbox soon after. Under `async`, a run's own events (started, model and tool calls) are held
 * for up to {@link ASYNC_HOLD_MS}: a run that ends within it writes them with its end, with no
 * audit transaction of its own; a longer run has them appended in batches, one per hold. Events
 * other processes record about the run meanwhile (a cancel request) may precede them in the
 * chain; every event keeps the time it was recorded.
 */
import {
  type AuditContentMode,
  type AuditLog,
  auditContent,
  type EnqueueAudit,
  type FinishAudit,
  type NewAuditEvent,
  type Run,
} from "@conclave/core";
import type { RuntimeLogger } from "./runtime-context.ts";

export type AuditDurability = "sync" | "async" | "exit";

/** How a run ended: what its end events say. */
type RunEnd = Pick<Run, "status" | "error">;

export interface AuditOptions {
  log: AuditLog;
  /** What of prompts and inputs is kept: nothing, a digest, or the (redacted) content. Default "digest". */
  content?: AuditContentMode;
  durability?: AuditDurability;
}

/** A `record` call about a run being submitted, settled once it is really recorded. */
interface WaitingRecord {
  events: NewAuditEvent[];
  holdForRun: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const MAX_BATCH = 1_000;
const MAX_BUFFERED = 100_000;
const RETRY_MS = 1_000;
/**
 * How long ended runs' events may wait in a store's outbox under `exit` before they are chained.
 * Chaining takes a transaction of five statements holding the tenants' head rows, whatever the
 * number of events: once per ended run, it was a fifth of the statements of a run on PostgreSQL.
 */
const OUTBOX_CHAIN_MS = 50;
/**
 * How long `async` holds a run's own events hoping to write them with its end. Decision: on
 * PostgreSQL a one-node run then costs no audit transaction of its own (it cost three, each of
 * four statements: a third of the run's statements, and the commits raced the next run's
 * claim in the queue bench's latency cells); 50 ms keeps the trail of a long run about as
 * current as the outbox chaining does.
 */
const ASYNC_HOLD_MS = 50;

export class AuditSink {
  readonly durability: AuditDurability;
  readonly content: AuditContentMode;
  /** The log itself, for reads (listing, verify, export). */
  readonly log: AuditLog;
  readonly #log: AuditLog;
  readonly #logger: RuntimeLogger;
  #buffer: NewAuditEvent[] = [];
  #flushing: Promise<void> | undefined;
  #scheduled = false;
  /** Events of runs in flight held for their end: under `exit`, and under `async` for a while. */
  readonly #held = new Map<string, NewAuditEvent[]>();
  /** Under `async`, when each run's hold began (in insertion order, so oldest first). */
  readonly #heldSince = new Map<string, number>();
  /**
   * Held events handed to a store with a run's end (`finishAudit`), until the end is written
   * (`endedWithRun`), falls back to an append (`endRun`) or fails (`finishFailed`): out of
   * `#held`, so neither the hold's timer nor `flush` appends them a second time meanwhile.
   */
  readonly #finishing = new Map<string, NewAuditEvent[]>();
  #releaseTimer: ReturnType<typeof setTimeout> | undefined;
  /** Runs this process is submitting, and the records about them that wait for `run.created`. */
  readonly #submitting = new Map<string, WaitingRecord[]>();
  /** Set while ended runs' events wait in a store's outbox (see {@link endedWithRun}). */
  #chainTimer: ReturnType<typeof setTimeout> | undefined;
  #chaining: Promise<void> | undefined;

  constructor(options: AuditOptions, logger: RuntimeLogger) {
    this.#log = options.log;
    this.log = options.log;
    this.content = options.content ?? "digest";
    this.durability = options.durability ?? "async";
    this.#logger = logger;
  }

  /** The content mode applied to a payload (absent, digest or redacted content). */
  contentOf(value: unknown): unknown {
    return auditContent(this.content, value);
  }

  /**
   * Records events now (`sync`) or soon (`async`). Events with `holdForRun` (a run's own events,
   * recorded by its worker) wait for their run's `endRun` in this process: under `exit` until
   * then, under `async` for at most {@link ASYNC_HOLD_MS}.
   */
  async record(events: NewAuditEvent[], holdForRun = false): Promise<void> {
    const stamped = events.map((event) => ({ ...event, ts: event.ts ?? new Date() }));
    const waiting = this.#waitingFor(stamped);
    if (waiting !== undefined) {
      return new Promise((resolve, reject) => {
        waiting.push({ events: stamped, holdForRun, resolve, reject });
      });
    }
    if (this.durability === "sync") {
      await this.#log.append(stamped);
      return;
    }
    if (holdForRun) {
      for (const event of stamped) this.#hold(event.runId ?? "", [event]);
      return;
    }
    this.#enqueue(stamped);
  }

  /** Holds `events` of a run after (or, `first`, before) those it holds already. */
  #hold(runId: string, events: NewAuditEvent[], first = false): void {
    const held = this.#held.get(runId);
    if (held === undefined) this.#held.set(runId, [...events]);
    else if (first) held.unshift(...events);
    else held.push(...events);
    if (this.durability === "async" && !this.#heldSince.has(runId))
      this.#heldSince.set(runId, performance.now());
    this.#scheduleRelease();
  }

  /** Under `async`, appends the held events of runs held for {@link ASYNC_HOLD_MS} by now. */
  #scheduleRelease(): void {
    if (this.#releaseTimer !== undefined) return;
    const oldest = this.#heldSince.values().next();
    if (oldest.done) return;
    const wait = Math.max(0, oldest.value + ASYNC_HOLD_MS - performance.now());
    this.#releaseTimer = setTimeout(() => {
      this.#releaseTimer = undefined;
      const due = performance.now() - ASYNC_HOLD_MS;
      for (const [runId, since] of this.#heldSince) {
        if (since > due) break;
        this.#release(runId);
      }
      this.#scheduleRelease();
    }, wait);
    this.#releaseTimer.unref?.();
  }

  /** Appends a run's held events now; its next ones start a new hold. */
  #release(runId: string): void {
    const held = this.#takeHeld(runId);
    if (held.length > 0) this.#enqueue(held);
  }

  /** Removes and returns the run's held events, forgetting its hold. */
  #takeHeld(runId: string): NewAuditEvent[] {
    const held = this.#held.get(runId) ?? [];
    this.#held.delete(runId);
    this.#heldSince.delete(runId);
    return held;
  }

  /**
   * Marks runs this process is about to submit. A worker in this process can start one as soon
   * as its enqueue commits, before the submitter has recorded `run.created`; until `submitted`,
   * records about these runs (other than `run.created`) wait, and their `record` promises settle
   * once they are recorded, so the trail reads created, started, finished.
   */
  submitting(runIds: readonly string[]): void {
    for (const runId of runIds) this.#submitting.set(runId, []);
  }

  /** Ends `submitting` (whether or not the submit succeeded): the waiting records go now. */
  submitted(runIds: readonly string[]): void {
    for (const runId of runIds) {
      const waiting = this.#submitting.get(runId) ?? [];
      this.#submitting.delete(runId);
      // One after another: under `sync`, concurrent appends could land out of order.
      let previous = Promise.resolve();
      for (const { events, holdForRun, resolve, reject } of waiting)
        previous = previous.then(() => this.record(events, holdForRun).then(resolve, reject));
    }
  }

  #waitingFor(events: NewAuditEvent[]) {
    const runId = events[0]?.runId;
    if (runId === undefined || this.#submitting.size === 0) return undefined;
    const waiting = this.#submitting.get(runId);
    const sameRun = events.every((e) => e.runId === runId && e.kind !== "run.created");
    return sameRun ? waiting : undefined;
  }

  /** `record` for callers that cannot wait: a failure is logged, never thrown or left unhandled. */
  recordInBackground(events: NewAuditEvent[], holdForRun = false): void {
    this.record(events, holdForRun).catch((error: unknown) =>
      this.#logger.error({ err: error, events: events.length }, "audit append failed; events lost"),
    );
  }

  /** Appends a finished run's held events with its final ones (under `sync`, records these). */
  async endRun(runId: string, events: NewAuditEvent[]): Promise<void> {
    if (this.durability === "sync") return this.record(events);
    const held = this.#takeAll(runId);
    const all = [...held, ...events.map((e) => ({ ...e, ts: e.ts ?? new Date() }))];
    const waiting = this.#submitting.get(runId);
    if (waiting === undefined) return this.#enqueue(all);
    // The run ended before its submitter recorded `run.created`: what waited, then the final
    // events, go after it in one append (held for the run, they would never be released).
    const earlier = waiting.splice(0).flatMap((record) => {
      record.resolve();
      return record.events;
    });
    return new Promise((resolve, reject) => {
      waiting.push({ events: [...earlier, ...all], holdForRun: false, resolve, reject });
    });
  }

  /**
   * The events that end a run, for a store to append in the transaction that ends it
   * (`RunQueue.finishAudited`), once the run's creation is recorded: then every earlier event of
   * the run is in the log, so the trail keeps its order. Under `sync` they are the end events;
   * otherwise the run's held events and then its end events, and only while this process has
   * nothing buffered (its `run.created`, or events of the run released by the hold, may be
   * there).
   */
  finishAudit(runId: string, finalOf: (end: RunEnd) => NewAuditEvent[]): FinishAudit | undefined {
    if (this.#submitting.has(runId)) return undefined;
    const stamped = (end: RunEnd) => finalOf(end).map((e) => ({ ...e, ts: e.ts ?? new Date() }));
    if (this.durability === "sync") return { log: this.#log, events: stamped };
    if (this.#buffer.length > 0 || this.#flushing) return undefined;
    const held = this.#takeAll(runId);
    this.#finishing.set(runId, held);
    return { log: this.#log, events: (end) => [...held, ...stamped(end)] };
  }

  /**
   * A worker gave the run up without ending it: its held events (under `exit`, else held until
   * an end that never comes here) are appended now, so the trail keeps what happened.
   */
  abandoned(runId: string): void {
    const held = this.#takeAll(runId);
    if (held.length > 0) this.#enqueue(held);
  }

  /** The store failed to end the run with its {@link finishAudit} events: they are held again. */
  finishFailed(runId: string): void {
    const held = this.#takeFinishing(runId);
    if (held.length > 0) this.#hold(runId, held, true);
  }

  #takeFinishing(runId: string): NewAuditEvent[] {
    const held = this.#finishing.get(runId) ?? [];
    this.#finishing.delete(runId);
    return held;
  }

  /** Everything of the run not yet written: handed to a store with its end, then still held. */
  #takeAll(runId: string): NewAuditEvent[] {
    return [...this.#takeFinishing(runId), ...this.#takeHeld(runId)];
  }

  /**
   * The `run.created` events of a submit, for a store to write with the runs it creates
   * (`RunQueue.enqueueAudited`); `events[i]` are those of the batch's run i.
   */
  enqueueAudit(events: readonly (readonly NewAuditEvent[])[]): EnqueueAudit {
    const at = new Date();
    const stamped = events.map((list) => list.map((e) => ({ ...e, ts: e.ts ?? at })));
    return { log: this.#log, events: stamped };
  }

  /** A store wrote a submit's {@link enqueueAudit} events: chained as {@link endedWithRun}'s. */
  async enqueuedWithRuns(): Promise<void> {
    await this.#outboxWritten();
  }

  /**
   * A store ended the run with its {@link finishAudit} events. A store may have left them in an
   * outbox (PostgreSQL): under `sync` they are chained now, as `sync` promises; otherwise
   * within {@link OUTBOX_CHAIN_MS}, so one chaining serves the runs that end meanwhile. A failed
   * chaining is logged, not thrown: the events wait in the outbox for the next append or the
   * workers' sweep.
   */
  async endedWithRun(runId: string): Promise<void> {
    this.#takeFinishing(runId);
    // Recorded after the end was handed over: they come after it.
    const late = this.#takeHeld(runId);
    if (late.length > 0) this.#enqueue(late);
    await this.#outboxWritten();
  }

  async #outboxWritten(): Promise<void> {
    if (!this.#log.flushPending) return;
    if (this.durability === "sync") return this.#chainOutbox();
    this.#chainTimer ??= setTimeout(() => {
      this.#chainTimer = undefined;
      void this.#chainOutbox();
    }, OUTBOX_CHAIN_MS);
    this.#chainTimer.unref?.();
  }

  #chainOutbox(): Promise<void> {
    const chaining = this.#log.flushPending!().catch((error: unknown) => {
      this.#logger.error({ err: error }, "chaining the audit outbox failed; the sweep retries");
    });
    this.#chaining = chaining;
    void chaining.then(() => {
      if (this.#chaining === chaining) this.#chaining = undefined;
    });
    return chaining;
  }

  /**
   * Waits until everything recorded so far is appended (under `async`, held events too; under
   * `exit`, held events wait for their run's end); throws if the log refuses it.
   */
  async flush(): Promise<void> {
    if (this.durability === "async")
      for (const runId of [...this.#held.keys()]) this.#release(runId);
    await this.#chaining;
    if (this.#chainTimer) {
      clearTimeout(this.#chainTimer);
      this.#chainTimer = undefined;
      await this.#log.flushPending!();
    }
    if (this.#flushing) await this.#flushing;
    if (this.#buffer.length === 0) return;
    await this.#drain();
    if (this.#buffer.length > 0)
      throw new Error(
        `${this.#buffer.length} audit events could not be appended; see the error log.`,
      );
  }

  #enqueue(events: NewAuditEvent[]): void {
    this.#buffer.push(...events);
    if (this.#buffer.length === 0) return;
    if (this.#buffer.length > MAX_BUFFERED) {
      const dropped = this.#buffer.splice(0, this.#buffer.length - MAX_BUFFERED);
      this.#logger.error(
        { dropped: dropped.length },
        "audit buffer overflowed; the oldest events were dropped",
      );
    }
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (!this.#flushing) void this.#drain();
    });
  }

  #drain(): Promise<void> {
    this.#flushing = (async () => {
      while (this.#buffer.length > 0) {
        const batch = this.#buffer.splice(0, MAX_BATCH);
        try {
          await this.#log.append(batch);
        } catch (error) {
          this.#buffer.unshift(...batch);
          this.#logger.error(
            { err: error, events: batch.length },
            "audit append failed; retrying in 1 s",
          );
          setTimeout(() => this.#enqueue([]), RETRY_MS).unref?.();
          break;
        }
      }
    })().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }
}
