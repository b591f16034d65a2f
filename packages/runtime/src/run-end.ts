/**
 * Ending a claimed run in the store together with its audit trail: the `run.finished` (or
 * `run.interrupted`) event, written with the end itself when the store and the audit sink
 * allow it (`sync` or `exit` audit and `RunQueue.finishAudited`), so no crash can separate
 * the two.
 */
import type { Fence, NewAuditEvent, PlatformStore, Run, RunOutcome } from "@conclave/core";
import type { AuditSink } from "./audit-sink.ts";

/** The events that record how `run` ended. */
function endEventsOf(run: Run) {
  return (ended: Pick<Run, "status" | "error">): NewAuditEvent[] => [
    {
      tenant: run.tenant,
      kind: ended.status === "interrupted" ? "run.interrupted" : "run.finished",
      actor: `worker:${run.workerId}`,
      runId: run.runId,
      threadId: run.threadId,
      data: { status: ended.status, ...(ended.error ? { error: ended.error } : {}) },
    },
  ];
}

/**
 * Ends the run (fenced) and records its end in the audit trail; returns the ended run.
 * @throws LeaseLostError when another worker owns the run now.
 */
export async function endRunAudited(
  store: PlatformStore,
  audit: AuditSink | undefined,
  ended: { fence: Fence; run: Run; outcome: RunOutcome; now: Date },
): Promise<Run> {
  const { fence, run, outcome, now } = ended;
  const endEvents = endEventsOf(run);
  const joint = audit?.finishAudit(run.runId, endEvents);
  let joined: Run | undefined;
  try {
    joined = joint && (await store.runs.finishAudited?.(fence, outcome, now, joint));
  } catch (error) {
    audit?.finishFailed(run.runId);
    throw error;
  }
  if (!joined || !audit) {
    const finished = await store.runs.finish(fence, outcome, now);
    await audit?.endRun(run.runId, endEvents(finished));
    return finished;
  }
  await audit.endedWithRun(run.runId);
  return joined;
}
