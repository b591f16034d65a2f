/**
 * Governance: which operational mode a run executes under (per assistant, else per tenant,
 * else `auto`), and how the steps' annotations become audit events (model calls, routing
 * decisions, tool calls, approvals, handoffs) while the run executes.
 *
 * A mode is resolved when a run starts, so a switch to `read-only` also stops queued and
 * paused runs from acting. Lookups are cached for `ttlMs` (default 1 s): a mode change takes
 * effect within that long on every worker.
 */
import {
  checkMode,
  InvalidArgumentError,
  type NewAuditEvent,
  type OperationalMode,
  type Run,
  SETTING,
  type SettingsStore,
} from "@conclave/core";
import type { AuditSink } from "./audit-sink.ts";

export class ModePolicy {
  readonly #settings: SettingsStore | undefined;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, { mode: OperationalMode; until: number }>();

  constructor(
    settings: SettingsStore | undefined,
    options: { ttlMs?: number; now?: () => number } = {},
  ) {
    this.#settings = settings;
    this.#ttlMs = options.ttlMs ?? 1_000;
    this.#now = options.now ?? Date.now;
  }

  /** The settings store behind the policy, if any. */
  get settings(): SettingsStore | undefined {
    return this.#settings;
  }

  /** The mode of runs of `assistantId` in `tenant`. */
  async modeFor(tenant: string, assistantId: string): Promise<OperationalMode> {
    if (!this.#settings) return "auto";
    const key = `${tenant}\0${assistantId}`;
    const hit = this.#cache.get(key);
    if (hit && hit.until > this.#now()) return hit.mode;
    const own = await this.#settings.get(tenant, SETTING.assistantMode(assistantId));
    const mode = (own ??
      (await this.#settings.get(tenant, SETTING.mode)) ??
      "auto") as OperationalMode;
    this.#cache.set(key, { mode, until: this.#now() + this.#ttlMs });
    return mode;
  }

  /** Sets the tenant's mode, or one assistant's (`null` removes the override). */
  async setMode(
    tenant: string,
    mode: OperationalMode | null,
    assistantId?: string,
  ): Promise<OperationalMode | null> {
    if (!this.#settings)
      throw new InvalidArgumentError(
        "Modes need a settings store: pass `settings` to Runtime.create() (openPlatform provides one).",
        "NO_SETTINGS_STORE",
      );
    const key = assistantId === undefined ? SETTING.mode : SETTING.assistantMode(assistantId);
    const previous = ((await this.#settings.get(tenant, key)) ?? null) as OperationalMode | null;
    if (mode === null) await this.#settings.delete(tenant, key);
    else await this.#settings.set(tenant, key, checkMode(mode), new Date(this.#now()));
    this.#cache.clear();
    return previous;
  }
}

type AnnotatedTask = { id: string; name: string; [key: string]: unknown };

const list = (value: unknown): Record<string, unknown>[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]) as Record<string, unknown>[];

/** The audit events of one step's annotations. Pure. */
export function auditEventsOf(
  run: Run,
  tasks: readonly AnnotatedTask[],
  where: { ns: string; step: number },
  contentOf: (value: unknown) => unknown,
): NewAuditEvent[] {
  const events: NewAuditEvent[] = [];
  const base = { tenant: run.tenant, runId: run.runId, threadId: run.threadId };
  const actor = `worker:${run.workerId}`;
  for (const task of tasks) {
    const at = { node: task.name, ns: where.ns || undefined, step: where.step };
    for (const usage of list(task.usage))
      events.push({ ...base, actor, kind: "model.call", data: { ...at, ...usage } });
    for (const routing of list(task.routing))
      events.push({ ...base, actor, kind: "route.decision", data: { ...at, ...routing } });
    for (const call of list(task.tools))
      events.push({ ...base, actor, kind: "tool.call", data: { ...at, ...call } });
    for (const decision of list(task.approvals))
      events.push(approvalEvent(base, at, decision, contentOf));
    for (const handoff of list(task.handoff))
      events.push({ ...base, actor, kind: "agent.handoff", data: { ...at, ...handoff } });
  }
  return events;
}

function approvalEvent(
  base: { tenant: string; runId: string; threadId: string },
  at: Record<string, unknown>,
  decision: Record<string, unknown>,
  contentOf: (value: unknown) => unknown,
): NewAuditEvent {
  const { args, editedArgs, by, ...rest } = decision;
  const data: Record<string, unknown> = { ...at, ...rest, args: contentOf(args) };
  if (editedArgs !== undefined) data.editedArgs = contentOf(editedArgs);
  return {
    ...base,
    actor: typeof by === "string" ? by : "unknown",
    kind: "approval.decided",
    data,
  };
}

/** The `onAnnotations` hook of a run: its steps' annotations go to the audit trail. */
export function auditAnnotations(run: Run, sink: AuditSink) {
  return (tasks: AnnotatedTask[], where: { ns: string; step: number }) => {
    const events = auditEventsOf(run, tasks, where, (value) => sink.contentOf(value));
    if (events.length > 0) sink.recordInBackground(events, true);
  };
}
