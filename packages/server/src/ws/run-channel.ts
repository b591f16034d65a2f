/**
 * The `run` channel: one run's events, as the SSE stream of `/runs/:id/stream` has them, with
 * the same ids, so `last_event_id` resumes where an earlier connection stopped.
 */
import type { Run } from "@conclave/core";
import { TERMINAL_STATUSES } from "@conclave/runtime";
import type { SubscribeMessage } from "./protocol.ts";
import type { Session, Subscription } from "./session.ts";

type RunSubscribe = Extract<SubscribeMessage, { channel: "run" }>;

/**
 * Subscribes to a run of the session's tenant (another tenant's run is not found). `done` is
 * called once the run's `end` has been sent.
 */
export async function runChannel(
  session: Session,
  message: RunSubscribe,
  done: () => void,
): Promise<Subscription> {
  const run = await session.runtime.getRun(session.principal.tenant, message.run_id);
  return new RunChannel(session, run, message.last_event_id ?? 0, done);
}

class RunChannel implements Subscription {
  readonly key: string;
  readonly ack: Record<string, unknown>;
  readonly #session: Session;
  readonly #run: Run;
  readonly #afterId: number;
  readonly #done: () => void;
  readonly #controller = new AbortController();

  constructor(session: Session, run: Run, afterId: number, done: () => void) {
    this.#session = session;
    this.#run = run;
    this.#afterId = afterId;
    this.#done = done;
    this.key = `run:${run.runId}`;
    this.ack = { channel: "run", run_id: run.runId };
  }

  start(): void {
    this.#pump()
      .catch((error) =>
        this.#session.log.warn({ err: error, runId: this.#run.runId }, "run channel failed"),
      )
      .finally(() => {
        if (!this.#controller.signal.aborted) this.#done();
      });
  }

  stop(): void {
    this.#controller.abort();
  }

  async #pump(): Promise<void> {
    const { runtime } = this.#session;
    const run = this.#run;
    const head = { type: "event", channel: "run", run_id: run.runId } as const;
    // A run that ended longer ago than the bus keeps events (or in another process) has none
    // left here; subscribing would wait forever, so only its end is reported.
    if (TERMINAL_STATUSES.includes(run.status) && !runtime.events.has(run.runId)) {
      this.#session.send({ ...head, event_id: null, event: "end", data: { status: run.status } });
      return;
    }
    const signal = this.#controller.signal;
    for await (const event of runtime.events.subscribe(run.runId, this.#afterId, signal)) {
      this.#session.send({ ...head, event_id: event.id, event: event.event, data: event.data });
    }
  }
}
