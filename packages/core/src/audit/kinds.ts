/**
 * The audit event kinds Conclave itself records, declared once. A kind is a dotted lower-case
 * name (`AUDIT_KIND_PATTERN`); other kinds are allowed, so plugins can record their own.
 */

/**
 * Known kinds, each with what its `data` holds. Money is pico-USD as a decimal string.
 * Model-call content follows the configured content mode: absent (`off`), `{ sha256, chars }`
 * (`digest`), or the redacted content (`full`); see `auditContent`.
 */
export const AUDIT_EVENT_KINDS = {
  /** A run was accepted: `{ assistantId?, input? }` (input per the content mode). */
  "run.created": "a run was accepted",
  /** A worker started (or resumed) the run: `{ worker?, attempt? }`. */
  "run.started": "a worker started the run",
  /** The run paused for a human or a budget: `{ reason, node? }`. */
  "run.interrupted": "the run paused",
  /** The run ended: `{ status: "success" | "error" | "cancelled", error? }`. */
  "run.finished": "the run ended",
  /** Someone asked to cancel the run: `{ action: "interrupt" | "rollback" }`. */
  "run.cancel_requested": "a cancel was requested",
  /** Someone queued an ended run again: `{}`. */
  "run.retried": "the run was retried",
  /** A thread was forked from an earlier checkpoint: `{ checkpointId, asNode? }`. */
  "thread.forked": "a thread was forked",
  /** A thread was copied, history and all, as this new thread: `{ from, checkpoints }`. */
  "thread.copied": "a thread was copied",
  /** A supervisor handed the work to an agent: `{ to, by, reason }`. */
  "agent.handoff": "a supervisor handed off",
  /** The router chose a deployment: `{ alias, deployment, strategy, reason }`. */
  "route.decision": "the router chose a deployment",
  /** A model call finished: `{ alias, deployment, model, tokens, costPico, status, input?, output? }`. */
  "model.call": "a model call finished",
  /** A tool ran: `{ tool, status, args?, result? }`. */
  "tool.call": "a tool ran",
  /** A tool or step asked for approval: `{ tool?, mode, request }`. */
  "approval.requested": "approval was requested",
  /** Someone decided an approval: `{ decision: "approve" | "reject" | "edit", mode, tool? }`; the actor says who. */
  "approval.decided": "an approval was decided",
  /** A budget crossed an alert threshold: `{ budgetId, threshold, spentPico, limitPico }`. */
  "budget.alert": "a budget crossed a threshold",
  /** A call did not fit a budget: `{ budgetId, action: "pause" | "downgrade" | "fail" }`. */
  "budget.refused": "a call did not fit a budget",
  /** An API key was created: `{ keyId, scopes }` (never the key itself). */
  "admin.key.created": "an API key was created",
  /** An API key was revoked: `{ keyId }`. */
  "admin.key.revoked": "an API key was revoked",
  /** A budget was created or changed: `{ budgetId, limitPico, period, action }`. */
  "admin.budget.set": "a budget was set",
  /** A budget was deleted: `{ budgetId }`. */
  "admin.budget.deleted": "a budget was deleted",
  /** An approval or content mode changed: `{ setting, from, to }`. */
  "admin.mode.changed": "a mode was changed",
} as const;

/** A kind Conclave records itself. */
export type KnownAuditKind = keyof typeof AUDIT_EVENT_KINDS;

/**
 * A valid kind: two or more dot-separated segments, each starting with a lower-case letter
 * followed by lower-case letters, digits, "_" or "-"; at most 128 characters.
 */
export const AUDIT_KIND_PATTERN = /^[a-z][a-z0-9_-]*(?:\.[a-z][a-z0-9_-]*)+$/;

/** Whether `kind` is a valid audit kind name. Pure. */
export function isAuditKind(kind: unknown): kind is string {
  return typeof kind === "string" && kind.length <= 128 && AUDIT_KIND_PATTERN.test(kind);
}
