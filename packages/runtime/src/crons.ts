/**
 * Crons: standard cron syntax (five fields, or six with seconds) in an IANA time zone, parsed
 * with cron-parser. Each firing becomes a run whose idempotency key names the cron and the
 * firing time, and the store's compare-and-set `advance` lets exactly one scheduler fire it,
 * however many processes run one. A scheduler that was down fires a missed cron once on
 * return, then continues from the current time (no burst of catch-up runs). The scheduler also
 * applies the default action to approvals past their timeout.
 */
import { type Cron, InvalidArgumentError, type JsonObject, type Run } from "@conclave/core";
import { CronExpressionParser } from "cron-parser";
import { newId } from "./ids.ts";
import type { Runtime } from "./runtime.ts";
import type { SubmitRequest } from "./submit.ts";

export interface CronRequest {
  tenant?: string;
  assistant: string;
  schedule: string;
  /** IANA time zone of the schedule. Default "UTC". */
  timeZone?: string;
  /** Runs on this thread each time; a new stateless thread per firing when absent. */
  thread?: string;
  input?: unknown;
  config?: JsonObject;
  metadata?: JsonObject;
  webhook?: string;
  /** Static per-run context each firing's run gets. */
  context?: JsonObject;
  interruptBefore?: string[] | "*";
  interruptAfter?: string[] | "*";
  /** No firings after this time. */
  endTime?: Date;
  /** A disabled cron is kept but never fires. Default true. */
  enabled?: boolean;
  cronId?: string;
}

/** The first firing of `schedule` strictly after `after`, or null past `endTime`. */
export function nextFiring(
  schedule: string,
  timeZone: string,
  after: Date,
  endTime?: Date | null,
): Date | null {
  let next: Date;
  try {
    next = CronExpressionParser.parse(schedule, { currentDate: after, tz: timeZone })
      .next()
      .toDate();
  } catch (error) {
    throw new InvalidArgumentError(
      `Cron schedule ${JSON.stringify(schedule)} in time zone ${JSON.stringify(timeZone)} is invalid ` +
        `(${(error as Error).message}); use five fields "min hour day month weekday", e.g. "*/5 * * * *", ` +
        "and an IANA zone such as Europe/Paris.",
      "INVALID_CRON",
    );
  }
  return endTime && next > endTime ? null : next;
}

/** Stores a new cron with its first firing. */
export async function createCron(runtime: Runtime, request: CronRequest): Promise<Cron> {
  const tenant = request.tenant ?? runtime.defaultTenant;
  const timeZone = request.timeZone ?? "UTC";
  const now = runtime.clock();
  const first = nextFiring(request.schedule, timeZone, now, request.endTime);
  if (first === null) {
    throw new InvalidArgumentError(
      `Cron ${JSON.stringify(request.schedule)} never fires before its endTime ${request.endTime?.toISOString()}.`,
      "INVALID_CRON",
    );
  }
  const assistant = await runtime.resolveAssistant(tenant, request.assistant);
  const kwargs: JsonObject = { input: request.input ?? null, config: request.config ?? {} };
  const extra = {
    webhook: request.webhook,
    context: request.context,
    interruptBefore: request.interruptBefore,
    interruptAfter: request.interruptAfter,
  };
  for (const [key, value] of Object.entries(extra)) if (value) kwargs[key] = value;
  return runtime.store.crons.create(
    {
      tenant,
      cronId: request.cronId ?? newId(),
      assistantId: assistant.assistantId,
      threadId: request.thread ?? null,
      schedule: request.schedule,
      timeZone,
      kwargs,
      metadata: request.metadata ?? {},
      nextRunAt: first.toISOString(),
      endTime: request.endTime?.toISOString() ?? null,
      enabled: request.enabled,
    },
    now,
  );
}

export class CronScheduler {
  readonly #runtime: Runtime;
  readonly #intervalMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #ticking = false;

  constructor(runtime: Runtime, options: { intervalMs?: number } = {}) {
    this.#runtime = runtime;
    this.#intervalMs = options.intervalMs ?? 1_000;
  }

  start(): void {
    this.#timer = setInterval(() => void this.#safeTick(), this.#intervalMs);
    this.#timer.unref?.();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Fires every due cron once; returns the runs submitted. */
  async tick(now = this.#runtime.clock()): Promise<Run[]> {
    const runs: Run[] = [];
    for (const cron of await this.#runtime.store.crons.due(now, 100)) {
      const run = await this.#fire(cron, now);
      if (run) runs.push(run);
    }
    return runs;
  }

  async #fire(cron: Cron, now: Date): Promise<Run | undefined> {
    const after = new Date(Math.max(now.getTime(), Date.parse(cron.nextRunAt)));
    const next = nextFiring(
      cron.schedule,
      cron.timeZone,
      after,
      cron.endTime ? new Date(cron.endTime) : null,
    );
    const won = await this.#runtime.store.crons.advance(
      cron.tenant,
      cron.cronId,
      cron.nextRunAt,
      next?.toISOString() ?? null,
      now,
    );
    if (!won) return undefined;
    const { input, config, webhook, context, interruptBefore, interruptAfter } =
      cron.kwargs as Pick<
        SubmitRequest,
        "input" | "config" | "webhook" | "context" | "interruptBefore" | "interruptAfter"
      >;
    const request: SubmitRequest = {
      tenant: cron.tenant,
      assistant: cron.assistantId,
      thread: cron.threadId ?? undefined,
      input,
      config,
      webhook,
      context,
      interruptBefore,
      interruptAfter,
      multitaskStrategy: "enqueue",
      idempotencyKey: `cron:${cron.cronId}:${cron.nextRunAt}`,
      metadata: { ...cron.metadata, cron_id: cron.cronId, scheduled_for: cron.nextRunAt },
    };
    return this.#runtime.submit(request);
  }

  async #safeTick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      await this.tick();
      // Approvals past their timeout take their default action on the same beat.
      await this.#runtime.approvals.expireAll();
    } catch (error) {
      this.#runtime.logger.error({ err: error }, "cron tick failed; retrying on the next tick");
    } finally {
      this.#ticking = false;
    }
  }
}
