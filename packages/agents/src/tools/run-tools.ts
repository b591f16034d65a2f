/**
 * `runTools`: the tool executor for use inside a graph node. Per node run it
 *
 * 1. resolves each call's tool and validates its arguments (failures become error results);
 * 2. asks for approval of the calls whose tool requires it, with `interrupt()`;
 * 3. runs every approved or ungated call concurrently, each journaled with
 *    `config.conclave.effect("tool:<name>")`.
 *
 * The node re-runs from the top on every resume, so steps 1-2 repeat; the journal makes step 3
 * exactly-once: a finished call (including one that failed) returns its recorded result instead
 * of running again, even after a crash in another process.
 *
 * Decision (several approvals in one node run). Options: (a) one interrupt per call, in call
 * order, (b) one interrupt listing every pending call, (c) one task per call. (c) needs graph
 * changes; (a) keeps LangGraph's one-value-per-resume semantics and the `{ type: "approval" }`
 * value clients expect; (b) saves round trips for reviewers who see the whole batch. Default
 * (a) `"sequential"`; (b) is `approvalMode: "batch"`. In both, no gated call runs until every
 * pending call of the node is decided, and ungated calls run together with the approved ones.
 */
import { createHash } from "node:crypto";
import type { NodeConfig, OperationalMode } from "@conclave/core";
import { interrupt, modeOf } from "@conclave/core";
import {
  type ApprovalBatchDecision,
  type ApprovalBatchRequest,
  type ApprovalDecision,
  type ApprovalRecord,
  type ApprovalRequest,
  readDecision,
  recordDecision,
} from "./approval.ts";
import { ToolNotFoundError, ToolRefusedError } from "./errors.ts";
import { type AnyTool, approvalReason, invokeTool, parseArgs } from "./tool.ts";

/** One call the model made (core's `ToolCall` fits). */
export interface ToolCallRequest {
  /** The model's id for the call; `call_<index>` when missing. */
  id?: string;
  name: string;
  args: unknown;
}

/** The outcome of one call, in the order of the calls. */
export interface ToolCallResult {
  toolCallId: string;
  name: string;
  status: "ok" | "error" | "rejected";
  /** The capped output; `{ error }` on failure; `{ rejected: true, reason }` on rejection. */
  output: unknown;
}

/** Options of {@link runTools}. */
export interface RunToolsOptions {
  /** How several pending approvals are asked for; see the module comment. Default "sequential". */
  approvalMode?: "sequential" | "batch";
}

/** The node config `runTools` needs: the runtime handle and the run's signal. */
export type ToolNodeConfig = Pick<NodeConfig, "conclave" | "signal"> & {
  configurable?: Record<string, unknown>;
};

interface Plan {
  mode: OperationalMode;
  id: string;
  name: string;
  tool?: AnyTool;
  args: unknown;
  result?: ToolCallResult;
  approval?: ApprovalRequest;
}

/**
 * Runs the model's tool calls inside a graph node, with approvals and journaling; returns one
 * result per call, in order. Tool failures become `{ error }` results, never exceptions; only
 * the approval interrupt (and a cancelled run) propagate. Pass the node's `config`.
 *
 * @example
 * .addNode("tools", async (state, config) => {
 *   const calls = state.messages.at(-1)?.tool_calls ?? [];
 *   const results = await runTools(calls, [shell, files], config);
 *   return { messages: toToolMessages(results) };
 * })
 */
export async function runTools(
  calls: readonly ToolCallRequest[],
  tools: readonly AnyTool[] | Readonly<Record<string, AnyTool>>,
  config: ToolNodeConfig,
  options: RunToolsOptions = {},
): Promise<ToolCallResult[]> {
  const byName = new Map(Object.values(tools).map((t) => [t.name, t]));
  const mode = modeOf(config);
  const plans = calls.map((call, i) => plan(call, i, byName, mode));
  const gated = plans.filter((p) => p.approval);
  if (options.approvalMode === "batch") {
    const decisions = askBatch(gated, config);
    for (const [i, p] of gated.entries()) await decide(p, decisions[i]!, config);
  } else {
    // Ask, then record, call by call: each decision's journaled time is when it arrived.
    for (const p of gated) await decide(p, readDecision(interrupt(p.approval!, config)), config);
  }
  const results = await Promise.all(plans.map((p) => p.result ?? execute(p, config)));
  for (const [i, result] of results.entries())
    config.conclave.annotate("tools", toolRecord(plans[i]!, result));
  return results;
}

/** What the step metadata (and so the audit trail) keeps of a call: never raw arguments. */
function toolRecord(p: Plan, result: ToolCallResult) {
  const argsSha256 = createHash("sha256")
    .update(JSON.stringify(p.args) ?? "")
    .digest("hex");
  return { toolCallId: p.id, tool: p.name, status: result.status, mode: p.mode, argsSha256 };
}

function plan(
  call: ToolCallRequest,
  index: number,
  byName: Map<string, AnyTool>,
  mode: OperationalMode,
): Plan {
  const p: Plan = { id: call.id ?? `call_${index}`, name: call.name, args: call.args, mode };
  const t = byName.get(call.name);
  if (!t) return { ...p, result: failed(p, new ToolNotFoundError(call.name, [...byName.keys()])) };
  if (t.sideEffects && mode === "read-only")
    return { ...p, result: failed(p, new ToolRefusedError(t.name)) };
  try {
    const args = parseArgs(t, call.args);
    const reason = approvalReason(t, args) ?? manualReason(t, mode);
    const approval: ApprovalRequest | undefined = reason
      ? { type: "approval", tool: t.name, toolCallId: p.id, args: call.args, reason, mode }
      : undefined;
    return { ...p, tool: t, approval };
  } catch (error) {
    return { ...p, result: failed(p, error) };
  }
}

/** One interrupt for all pending calls; a call missing from the answer is rejected. */
function askBatch(gated: readonly Plan[], config: ToolNodeConfig): ApprovalDecision[] {
  if (gated.length === 0) return [];
  const request: ApprovalBatchRequest = {
    type: "approvals",
    requests: gated.map((p) => p.approval!),
  };
  const answer = interrupt<ApprovalBatchRequest, Partial<ApprovalBatchDecision>>(request, config);
  const decisions = answer?.decisions ?? {};
  return gated.map((p) => {
    const raw = Object.hasOwn(decisions, p.id) ? decisions[p.id] : undefined;
    const decision = readDecision(
      raw ?? { approved: false, reason: `No decision was given for call "${p.id}".` },
    );
    return answer?.by && !decision.by ? { ...decision, by: answer.by } : decision;
  });
}

/** Applies a decision to a plan and records it (journaled, so `at` survives re-runs). */
async function decide(p: Plan, decision: ApprovalDecision, config: ToolNodeConfig): Promise<void> {
  const record = await config.conclave.effect<ApprovalRecord>(`approval:${p.name}`, () =>
    recordDecision(p.approval!, decision),
  );
  config.conclave.annotate("approvals", record);
  if (!decision.approved) {
    const reason = decision.reason ?? "The reviewer rejected this call.";
    p.result = {
      toolCallId: p.id,
      name: p.name,
      status: "rejected",
      output: { rejected: true, reason },
    };
  } else if (decision.args !== undefined) {
    p.args = decision.args;
  }
}

/** Runs one call through the journal; a failure is recorded too, so it is not retried by a re-run. */
function execute(p: Plan, config: ToolNodeConfig): Promise<ToolCallResult> {
  return config.conclave.effect<ToolCallResult>(`tool:${p.name}`, async () => {
    try {
      const output = await invokeTool(p.tool!, p.args, { signal: config.signal, toolCallId: p.id });
      return { toolCallId: p.id, name: p.name, status: "ok", output: output ?? null };
    } catch (error) {
      // A cancelled run is not a tool result: let it propagate unrecorded so a resume re-runs it.
      if (config.signal.aborted) throw error;
      return failed(p, error);
    }
  });
}

/** In manual mode every side-effecting call waits for a human. */
function manualReason(t: AnyTool, mode: OperationalMode): string | undefined {
  if (mode !== "manual" || !t.sideEffects) return undefined;
  return `Manual mode: tool "${t.name}" has side effects, so every call needs approval.`;
}

function failed(p: { id: string; name: string }, error: unknown): ToolCallResult {
  const message = error instanceof Error ? error.message : String(error);
  return { toolCallId: p.id, name: p.name, status: "error", output: { error: message } };
}

/** A chat message carrying a tool result, as the messages reducer accepts it. */
export interface ToolResultMessage {
  type: "tool";
  content: string;
  tool_call_id: string;
  name: string;
  status: "success" | "error";
}

/** Turns results into tool messages (content is the output, JSON-encoded unless a string). Pure. */
export function toToolMessages(results: readonly ToolCallResult[]): ToolResultMessage[] {
  return results.map((r) => ({
    type: "tool",
    content: typeof r.output === "string" ? r.output : JSON.stringify(r.output),
    tool_call_id: r.toolCallId,
    name: r.name,
    status: r.status === "ok" ? "success" : "error",
  }));
}
