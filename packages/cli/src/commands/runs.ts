/**
 * `conclave runs ls|show|cancel|retry|queue`: runs, read and controlled directly in the
 * database. Cancel and retry go through the runtime, so they are audited (`run.cancel_requested`,
 * `run.retried`) like the same calls over the API. A retried run resumes from its last
 * checkpoint when a worker claims it again: finished steps are not re-run.
 */
import { ACTIVE_RUN_STATUSES, type Run, type RunStatus, runNotFound } from "@conclave/core";
import { TERMINAL_STATUSES } from "@conclave/runtime";
import { EXIT, emit, table } from "../kit.ts";
import {
  type Action,
  commandGroup,
  type Flags,
  intFlag,
  listFlag,
  required,
  text,
} from "./command-group.ts";
import { queueAction } from "./queue.ts";
import {
  runTenant,
  type Session,
  shortTime,
  tenantsOf,
  threadTenant,
  withPlatform,
  withRuntime,
} from "./session.ts";

const STATUSES: readonly RunStatus[] = [...ACTIVE_RUN_STATUSES, ...TERMINAL_STATUSES];

const USAGE = `Usage: conclave runs ls [--thread <id>] [--status <s,...>] [--tenant <t>] [--limit <n>]
       conclave runs show <run-id> [--tenant <t>]
       conclave runs cancel <run-id> [--rollback] [--tenant <t>]
       conclave runs retry <run-id> [--tenant <t>]
       conclave runs queue [--tenant <t>]

Statuses: ${STATUSES.join(", ")}.
Run ids are unique across tenants, so --tenant is only a filter. Every action takes
--database <url>, --config <file>, --profile <name> and -o text|json|jsonl.`;

async function listRuns(session: Session, flags: Flags): Promise<Run[]> {
  const { platform } = session;
  const limit = intFlag(flags, "limit", 20, { max: 10_000 });
  const status = listFlag(flags, "status", STATUSES);
  const threadId = text(flags, "thread");
  if (threadId !== undefined) {
    const tenant = await threadTenant(platform, flags, threadId);
    return platform.store.runs.list({ tenant, threadId, status, limit });
  }
  const runs: Run[] = [];
  for (const tenant of await tenantsOf(platform, flags))
    runs.push(...(await platform.store.runs.list({ tenant, status, limit })));
  runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return runs.slice(0, limit);
}

function runsTable(runs: Run[]): string {
  if (runs.length === 0) return "no runs";
  return table(
    ["RUN ID", "TENANT", "THREAD", "GRAPH", "STATUS", "ATTEMPT", "CREATED", "ENDED", "ERROR"],
    runs.map((r) => [
      r.runId,
      r.tenant,
      r.threadId,
      r.graphId,
      r.status,
      `${r.attempt}/${r.maxAttempts}`,
      shortTime(r.createdAt),
      shortTime(r.endedAt),
      r.error ? `${r.error.code}: ${r.error.message}`.slice(0, 60) : null,
    ]),
  );
}

const ls: Action = {
  usage: `Usage: conclave runs ls [--thread <id>] [--status <s,...>] [--tenant <t>] [--limit <n>]

Newest first, across every tenant unless --tenant (default --limit 20).
Statuses: ${STATUSES.join(", ")}.`,
  options: {
    thread: { type: "string" },
    status: { type: "string" },
    tenant: { type: "string" },
    limit: { type: "string" },
  },
  run: (ctx, flags) =>
    withPlatform(ctx, flags, async (session) => {
      const runs = await listRuns(session, flags);
      emit(ctx, runs, () => runsTable(runs));
      return EXIT.ok;
    }),
};

async function findRun(session: Session, flags: Flags, runId: string): Promise<Run> {
  const tenant = await runTenant(session.platform, flags, runId);
  const run = await session.platform.store.runs.get(tenant, runId);
  if (!run) throw runNotFound(tenant, runId);
  return run;
}

function runDetails(run: Run): string {
  const rows: [string, unknown][] = [
    ["run", run.runId],
    ["tenant", run.tenant],
    ["thread", run.threadId],
    ["assistant", `${run.assistantId} (version ${run.assistantVersion}, graph ${run.graphId})`],
    ["status", run.status + (run.cancelAction ? ` (cancel requested: ${run.cancelAction})` : "")],
    ["attempt", `${run.attempt} of ${run.maxAttempts}`],
    ["priority", run.priority],
    ["worker", run.workerId],
    ["created", run.createdAt],
    ["started", run.startedAt],
    ["ended", run.endedAt],
    ["error", run.error ? `${run.error.code}: ${run.error.message}` : null],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v ?? "-"}`),
    `kwargs${" ".repeat(Math.max(1, width - 4))}${JSON.stringify(run.kwargs, null, 2)}`,
  ].join("\n");
}

const show: Action = {
  usage: `Usage: conclave runs show <run-id> [--tenant <t>]

Prints the run's record: status, attempts, worker, times, error and what it was asked to do.`,
  options: { tenant: { type: "string" } },
  run: (ctx, flags, positionals) =>
    withPlatform(ctx, flags, async (session) => {
      const runId = required(positionals, "a run id", "see `conclave runs ls`");
      const run = await findRun(session, flags, runId);
      emit(ctx, run, () => runDetails(run));
      return EXIT.ok;
    }),
};

function cancelled(runId: string, action: string, run: Run | undefined): string {
  if (run === undefined) return `run ${runId} was pending: removed (rollback)`;
  if (run.status === "cancelled") return `cancelled run ${runId} (it had not started)`;
  const keeps = action === "rollback" ? "undoes" : "keeps";
  return `cancel requested for run ${runId}: its worker stops it and ${keeps} its checkpoints`;
}

const cancel: Action = {
  usage: `Usage: conclave runs cancel <run-id> [--rollback] [--tenant <t>]

A pending run ends at once. A running run is flagged and its worker stops it (within a
heartbeat). --rollback also undoes the run's checkpoints and deletes the run. A run that
already ended is refused (exit 1).`,
  options: { rollback: { type: "boolean" }, tenant: { type: "string" } },
  run: (ctx, flags, positionals) =>
    withPlatform(ctx, flags, async (session) => {
      const runId = required(positionals, "a run id", "see `conclave runs ls`");
      const tenant = (await findRun(session, flags, runId)).tenant;
      const action = flags.rollback ? "rollback" : "interrupt";
      const run = await withRuntime(ctx, session, (rt) => rt.cancel(tenant, runId, action, "cli"));
      const result = { runId, tenant, action, status: run?.status ?? "deleted" };
      emit(ctx, result, () => cancelled(runId, action, run));
      return EXIT.ok;
    }),
};

const retry: Action = {
  usage: `Usage: conclave runs retry <run-id> [--tenant <t>]

Queues an ended run (error, timeout, cancelled, dead) again with fresh attempts. The worker
that claims it resumes from the run's last checkpoint, so finished steps are not repeated.`,
  options: { tenant: { type: "string" } },
  run: (ctx, flags, positionals) =>
    withPlatform(ctx, flags, async (session) => {
      const runId = required(positionals, "a run id", "see `conclave runs ls --status error`");
      const tenant = (await findRun(session, flags, runId)).tenant;
      const run = await withRuntime(ctx, session, (rt) => rt.retry(tenant, runId, "cli"));
      emit(
        ctx,
        run,
        () =>
          `run ${runId} is queued again (${run.status}); a worker resumes it from its last checkpoint`,
      );
      return EXIT.ok;
    }),
};

/** `conclave runs`. */
export const runsCommand = commandGroup({
  name: "runs",
  summary: "list, show, cancel and retry runs; the queue",
  usage: USAGE,
  actions: { ls, show, cancel, retry, queue: queueAction },
});
