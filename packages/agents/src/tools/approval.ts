/**
 * Human approval of tool calls. A request is surfaced with `interrupt()`; the resume value is a
 * decision. Decisions fail closed: only `approved: true` (the boolean) approves; anything else,
 * including a malformed value, rejects, so a confused client can never run a gated tool.
 */
import { createHash } from "node:crypto";
import type { OperationalMode } from "@conclave/core";
import { preview } from "./errors.ts";

/** The interrupt value for one call awaiting approval. */
export interface ApprovalRequest {
  type: "approval";
  /** The tool's name. */
  tool: string;
  toolCallId: string;
  /** The arguments as the model proposed them (already validated against the schema). */
  args: unknown;
  /** Why approval is needed (the tool's policy, or the run's manual mode). */
  reason: string;
  /** The run's operational mode when approval was asked for. */
  mode?: OperationalMode;
}

/** The interrupt value in `"batch"` mode: every pending call of the node at once. */
export interface ApprovalBatchRequest {
  type: "approvals";
  requests: ApprovalRequest[];
}

/**
 * The resume value for an {@link ApprovalRequest}: approve (optionally with edited arguments,
 * re-validated before running) or reject with a reason the model will see. `by` names the
 * reviewer for the audit trail.
 */
export type ApprovalDecision =
  | { approved: true; args?: unknown; by?: string }
  | { approved: false; reason?: string; by?: string };

/** The resume value for an {@link ApprovalBatchRequest}: decisions keyed by toolCallId. */
export interface ApprovalBatchDecision {
  decisions: Record<string, ApprovalDecision>;
  by?: string;
}

/** One decision as recorded in the step metadata under `approvals`. */
export interface ApprovalRecord {
  toolCallId: string;
  tool: string;
  /** The arguments the model proposed. */
  args: unknown;
  /** SHA-256 of the proposed arguments' JSON, for audit logs that must not keep raw values. */
  argsSha256: string;
  approved: boolean;
  /** Arguments the reviewer substituted, when edited. */
  editedArgs?: unknown;
  reason?: string;
  by?: string;
  /** The run's operational mode when the decision was asked for. */
  mode?: OperationalMode;
  /** ISO-8601 time the decision was first seen (journaled, so stable across re-runs). */
  at: string;
}

/**
 * Normalises a resume value into a decision. Pure. Fails closed: a value that is not an object
 * with a boolean `approved` becomes a rejection that names the bad value.
 */
export function readDecision(value: unknown): ApprovalDecision {
  if (
    typeof value !== "object" ||
    value === null ||
    typeof (value as { approved?: unknown }).approved !== "boolean"
  ) {
    return {
      approved: false,
      reason:
        `Invalid approval decision ${preview(value)}; treated as a rejection. ` +
        "Resume with { approved: true } or { approved: false, reason }.",
    };
  }
  const raw = value as { approved: boolean; args?: unknown; reason?: unknown; by?: unknown };
  const by = typeof raw.by === "string" ? raw.by : undefined;
  if (raw.approved) {
    return { approved: true, ...("args" in raw ? { args: raw.args } : {}), ...(by ? { by } : {}) };
  }
  const reason = typeof raw.reason === "string" ? raw.reason : undefined;
  return { approved: false, ...(reason ? { reason } : {}), ...(by ? { by } : {}) };
}

/** Builds the audit record of a decision. Pure except for reading the clock. */
export function recordDecision(
  request: ApprovalRequest,
  decision: ApprovalDecision,
): ApprovalRecord {
  const record: ApprovalRecord = {
    toolCallId: request.toolCallId,
    tool: request.tool,
    args: request.args,
    argsSha256: createHash("sha256")
      .update(JSON.stringify(request.args) ?? "")
      .digest("hex"),
    approved: decision.approved,
    at: new Date().toISOString(),
  };
  if (decision.by) record.by = decision.by;
  if (request.mode) record.mode = request.mode;
  if (decision.approved && decision.args !== undefined) record.editedArgs = decision.args;
  if (!decision.approved && decision.reason) record.reason = decision.reason;
  return record;
}
