/**
 * Test helpers for audit trails: counting what reaches `AuditLog.append`, and checking that
 * each run's trail reads created, started, finished in a chain that verifies.
 */
import type { AuditLog, NewAuditEvent } from "@conclave/core";
import { expect } from "vitest";

/** Records the kinds of the events passed to `log.append` (the log still appends them). */
export function spyAppends(log: AuditLog): string[] {
  const appended: string[] = [];
  const append = log.append.bind(log);
  log.append = (events: readonly NewAuditEvent[]) => {
    appended.push(...events.map((e) => e.kind));
    return append(events);
  };
  return appended;
}

/** Each run's events read `run.created`, `run.started`, `run.finished`; the chain verifies. */
export async function expectLifecycles(
  log: AuditLog,
  runs: readonly { runId: string }[],
  tenant = "default",
): Promise<void> {
  const events = await log.list({ tenant });
  for (const run of runs) {
    const kinds = events.filter((e) => e.runId === run.runId).map((e) => e.kind);
    expect(kinds).toEqual(["run.created", "run.started", "run.finished"]);
  }
  expect(await log.verify(tenant)).toMatchObject({ ok: true });
}
