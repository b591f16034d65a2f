/**
 * The approval inbox: every run paused for a human, across threads, in one list. Tool calls
 * awaiting approval (`{type: "approval"}` or a batch `{type: "approvals"}`), budget pauses from
 * the model gateway (`{type: "budget"}`), and any other `interrupt()` are listed; deciding one
 * submits the resume run on its thread. Decisions fail closed (only `approve` runs a gated
 * call) and name who decided, which the tool records and the audit trail keeps.
 *
 * A tenant may give approvals a timeout (setting `approvals.timeout_ms`) and a default action
 * (`approvals.default_action`: "reject", the default, or "approve"): `expire()` applies it to
 * approvals older than the timeout, as actor `system:timeout`.
 */
import {
  InvalidArgumentError,
  NotFoundError,
  type Run,
  SETTING,
  type SettingsStore,
  type Thread,
} from "@conclave/core";
import type { Runtime } from "./runtime.ts";

export interface PendingApproval {
  tenant: string;
  threadId: string;
  interruptId: string;
  /** "approval" (one tool call), "approvals" (a batch), "budget", or "interrupt" (anything else). */
  kind: "approval" | "approvals" | "budget" | "interrupt";
  /** The interrupt's value: the tool, its arguments and why approval is needed. */
  request: unknown;
  /** The graph (and so the assistant) the thread runs. */
  graphId: string | null;
  /** When the run paused. */
  since: string;
  /** When the default action applies, if the tenant set a timeout. */
  expiresAt: string | null;
}

export type ApprovalAction = "approve" | "reject" | "edit";

export interface ApprovalVerdict {
  action: ApprovalAction;
  /** For "edit": the arguments to run the tool with instead (validated by the tool). */
  args?: unknown;
  /** For "reject": why, shown to the model. */
  reason?: string;
}

function kindOf(value: unknown): PendingApproval["kind"] {
  const type = (value as { type?: unknown } | null)?.type;
  return type === "approval" || type === "approvals" || type === "budget" ? type : "interrupt";
}

/** The resume value a verdict becomes, in the shape the paused code reads. */
export function resumeValue(
  pending: PendingApproval,
  verdict: ApprovalVerdict,
  by: string,
): unknown {
  const one = (args?: unknown) =>
    verdict.action === "reject"
      ? { approved: false, reason: verdict.reason ?? `Rejected by ${by}.`, by }
      : { approved: true, ...(verdict.action === "edit" ? { args } : {}), by };
  if (pending.kind !== "approvals") return one(verdict.args);
  const requests = (pending.request as { requests: { toolCallId: string }[] }).requests;
  const edited = (verdict.args ?? {}) as Record<string, unknown>;
  return {
    by,
    decisions: Object.fromEntries(requests.map((r) => [r.toolCallId, one(edited[r.toolCallId])])),
  };
}

export class ApprovalInbox {
  readonly #runtime: Runtime;
  readonly #settings: SettingsStore | undefined;

  constructor(runtime: Runtime, settings: SettingsStore | undefined) {
    this.#runtime = runtime;
    this.#settings = settings;
  }

  /** Pending approvals of the tenant, oldest first. */
  async list(tenant: string, options: { limit?: number } = {}): Promise<PendingApproval[]> {
    const threads = await this.#runtime.store.threads.search({
      tenant,
      status: "interrupted",
      limit: 1000,
    });
    const timeout = await this.#timeoutMs(tenant);
    const pending = threads.flatMap((thread) => this.#pendingOf(thread, timeout));
    pending.sort((a, b) => a.since.localeCompare(b.since));
    return pending.slice(0, options.limit ?? 100);
  }

  /** Applies a verdict: submits the resume run (which records the decision) and returns it. */
  async decide(
    tenant: string,
    threadId: string,
    interruptId: string,
    verdict: ApprovalVerdict,
    by: string,
  ): Promise<Run> {
    if (!["approve", "reject", "edit"].includes(verdict.action)) {
      throw new InvalidArgumentError(
        `An approval action must be approve, reject or edit; got ${JSON.stringify(verdict.action)}.`,
        "INVALID_APPROVAL",
      );
    }
    const thread = await this.#runtime.store.threads.get(tenant, threadId);
    const pending = thread
      ? this.#pendingOf(thread, null).find((p) => p.interruptId === interruptId)
      : undefined;
    if (!thread || !pending) {
      throw new NotFoundError(
        "APPROVAL_NOT_FOUND",
        `No pending approval ${JSON.stringify(interruptId)} on thread ${JSON.stringify(threadId)}; it was decided already, or list approvals to find its id.`,
      );
    }
    const resume = { [interruptId]: resumeValue(pending, verdict, by) };
    return this.#runtime.submit({
      tenant,
      assistant: await this.#assistantOf(thread),
      thread: threadId,
      command: { resume },
      multitaskStrategy: "reject",
      actor: by,
      metadata: { approval: { interruptId, action: verdict.action, by } },
    });
  }

  /** Applies the default action to approvals past their timeout; returns the resume runs. */
  async expire(tenant: string, now = this.#runtime.clock()): Promise<Run[]> {
    const fallback = ((await this.#settings?.get(tenant, SETTING.approvalDefault)) ?? "reject") as
      | "reject"
      | "approve";
    const runs: Run[] = [];
    for (const pending of await this.list(tenant, { limit: 1000 })) {
      if (pending.expiresAt === null || Date.parse(pending.expiresAt) > now.getTime()) continue;
      const verdict: ApprovalVerdict = { action: fallback, reason: "The approval timed out." };
      try {
        runs.push(
          await this.decide(
            tenant,
            pending.threadId,
            pending.interruptId,
            verdict,
            "system:timeout",
          ),
        );
      } catch (error) {
        // Another scheduler (or a person) decided it first: its resume run holds the thread.
        const code = (error as { code?: string }).code;
        if (code !== "THREAD_BUSY" && code !== "APPROVAL_NOT_FOUND") throw error;
      }
    }
    return runs;
  }

  /** The thread's assistant: from its metadata (API submissions tag it), else its last run. */
  async #assistantOf(thread: Thread): Promise<string> {
    const tagged = thread.metadata.assistant_id ?? thread.metadata.graph_id;
    if (typeof tagged === "string") return tagged;
    const [last] = await this.#runtime.store.runs.list({
      tenant: thread.tenant,
      threadId: thread.threadId,
      limit: 1,
    });
    if (last) return last.assistantId;
    throw new InvalidArgumentError(
      `Thread ${thread.threadId} has no run to resume; submit one with its assistant.`,
      "NO_ASSISTANT",
    );
  }

  /** `expire` for every tenant whose approvals time out. */
  async expireAll(now = this.#runtime.clock()): Promise<Run[]> {
    const tenants = (await this.#settings?.tenantsWith(SETTING.approvalTimeoutMs)) ?? [];
    const runs: Run[] = [];
    for (const tenant of tenants) runs.push(...(await this.expire(tenant, now)));
    return runs;
  }

  async #timeoutMs(tenant: string): Promise<number | null> {
    const value = await this.#settings?.get(tenant, SETTING.approvalTimeoutMs);
    return typeof value === "number" && value > 0 ? value : null;
  }

  #pendingOf(thread: Thread, timeoutMs: number | null): PendingApproval[] {
    const graphId = typeof thread.metadata.graph_id === "string" ? thread.metadata.graph_id : null;
    return Object.entries(thread.interrupts).flatMap(([key, items]) =>
      (Array.isArray(items) ? items : [items]).map((item) => {
        const { id, value } = item as { id?: string; value?: unknown };
        return {
          tenant: thread.tenant,
          threadId: thread.threadId,
          interruptId: id ?? key,
          kind: kindOf(value),
          request: value,
          graphId,
          since: thread.updatedAt,
          expiresAt:
            timeoutMs === null
              ? null
              : new Date(Date.parse(thread.updatedAt) + timeoutMs).toISOString(),
        };
      }),
    );
  }
}
