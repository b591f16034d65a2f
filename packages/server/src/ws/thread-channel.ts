/**
 * The `thread` channel: the lifecycle of the runs on one thread. It reports each run's status
 * as the store has it whenever the store signals a change (`run.pending`, `run.finished`);
 * the active runs are reported first.
 *
 * A worker's claim (pending -> running) sends no wake-up, so `running` is seen through the
 * run's event stream instead, when that stream is open in this process (the run was submitted
 * by a chat or a streaming request, or someone subscribed to it). Opening a stream here for
 * every run would make workers stream runs nobody reads and leave channels open for runs
 * executed by other processes, so runs without one go from pending straight to their end.
 *
 * Wake-ups are handled one at a time, in order, and each reads the run afresh, so the
 * statuses a client sees never go backwards.
 */
import { type Run, threadNotFound } from "@conclave/core";
import type { SubscribeMessage } from "./protocol.ts";
import type { Session, Subscription } from "./session.ts";

type ThreadSubscribe = Extract<SubscribeMessage, { channel: "thread" }>;

/** The run as thread events carry it. Pure. */
export function runSummary(run: Run): Record<string, unknown> {
  return {
    run_id: run.runId,
    thread_id: run.threadId,
    assistant_id: run.assistantId,
    status: run.status,
    error: run.error,
    created_at: run.createdAt,
    updated_at: run.updatedAt,
  };
}

/** Subscribes to a thread of the session's tenant (another tenant's thread is not found). */
export async function threadChannel(
  session: Session,
  message: ThreadSubscribe,
): Promise<Subscription> {
  const tenant = session.principal.tenant;
  const thread = await session.runtime.store.threads.get(tenant, message.thread_id);
  if (!thread) throw threadNotFound(tenant, message.thread_id);
  return new ThreadChannel(session, thread.threadId);
}

class ThreadChannel implements Subscription {
  readonly key: string;
  readonly ack: Record<string, unknown>;
  readonly #session: Session;
  readonly #threadId: string;
  readonly #controller = new AbortController();
  /** The last status sent per run. */
  readonly #sent = new Map<string, Run["status"]>();
  /** Runs whose event stream is watched for their start. */
  readonly #watched = new Set<string>();
  #chain = Promise.resolve();
  #off: (() => void) | undefined;

  constructor(session: Session, threadId: string) {
    this.#session = session;
    this.#threadId = threadId;
    this.key = `thread:${threadId}`;
    this.ack = { channel: "thread", thread_id: threadId };
  }

  start(): void {
    const { hub, principal } = this.#session;
    // Listening first, then listing, both through the chain: no change falls in between.
    this.#off = hub.on((event) => {
      if (event.tenant === principal.tenant && event.kind !== "run.cancel")
        this.#later(() => this.#check(event.runId));
    });
    this.#later(async () => {
      await hub.ready();
      const active = await this.#session.runtime.store.runs.list({
        tenant: principal.tenant,
        threadId: this.#threadId,
        status: ["pending", "running"],
      });
      for (const run of active.reverse()) this.#report(run);
    });
  }

  stop(): void {
    this.#off?.();
    this.#controller.abort();
  }

  #later(task: () => Promise<void>): void {
    this.#chain = this.#chain.then(task).catch((error) => {
      this.#session.log.warn({ err: error, threadId: this.#threadId }, "thread channel failed");
    });
  }

  async #check(runId: string): Promise<void> {
    const run = await this.#session.runtime.store.runs.get(this.#session.principal.tenant, runId);
    if (run?.threadId === this.#threadId) this.#report(run);
  }

  #report(run: Run): void {
    if (this.#controller.signal.aborted || this.#sent.get(run.runId) === run.status) return;
    this.#sent.set(run.runId, run.status);
    this.#session.send({
      type: "event",
      channel: "thread",
      thread_id: this.#threadId,
      event: "run",
      data: runSummary(run),
    });
    if (run.status === "pending") this.#watchStart(run.runId);
  }

  /** The first event of an open stream means a worker started the run. */
  #watchStart(runId: string): void {
    const events = this.#session.runtime.events;
    if (this.#watched.has(runId) || !events.has(runId)) return;
    this.#watched.add(runId);
    const signal = this.#controller.signal;
    void (async () => {
      for await (const _ of events.subscribe(runId, 0, signal)) break;
      if (!signal.aborted) this.#later(() => this.#check(runId));
    })();
  }
}
