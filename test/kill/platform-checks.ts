/**
 * The exactly-once checks of the platform kill and fencing tests. For each run they compare
 * four independent records: the run record (status, attempt, the worker that ended it), the
 * checkpoint history and final state, the node journal every process appended to, and the
 * audit trail. Every broken rule is reported as a readable line, so a failing test says which
 * run broke which rule.
 */
import type { Run } from "@conclave/core";
import type { Platform } from "@conclave/runtime";
import {
  buildGraph,
  type Execution,
  expectedValues,
  NODES,
  readJournal,
  STEPS,
} from "./platform-graph.ts";

/** A run the test submitted. */
export interface Submitted {
  runId: string;
  threadId: string;
  n: number;
}

export interface RunReport {
  /** Every broken rule, one line each; empty when all runs completed exactly once. */
  problems: string[];
  /** Runs ended by each worker id. */
  endedBy: Record<string, number>;
  /** Runs taken over from the lost worker (claimed a second time and ended by another). */
  recovered: string[];
  /** Node executions repeated because the lost worker died (or paused) during them. */
  repeated: number;
  /**
   * Runs the lost worker ended whose `run.finished` audit event is missing: it died between
   * committing the finish and appending the event (a known gap; the audit append is not in
   * the finish's transaction). Any other run without exactly one event is a problem.
   */
  unaudited: string[];
}

/** What the checks know about the processes. */
export interface Processes {
  /** The pid of each worker id. */
  pids: Record<string, number>;
  /** The pid of the worker that was killed or paused, if any. */
  lost?: number;
}

const STEPS_WRITTEN = [-1, 0, 1, 2, 3, 4];

/** Checks every run; see {@link RunReport}. */
export async function checkRuns(
  platform: Platform,
  runs: readonly Submitted[],
  journalFile: string,
  processes: Processes,
): Promise<RunReport> {
  const context: Context = {
    platform,
    processes,
    journal: readJournal(journalFile),
    finished: await finishEvents(platform),
    graph: buildGraph().compile({ checkpointer: platform.store.saver }),
  };
  const report: RunReport = {
    problems: [],
    endedBy: {},
    recovered: [],
    repeated: 0,
    unaudited: [],
  };
  for (const submitted of runs) await checkRun(context, submitted, report);
  return report;
}

interface Context {
  platform: Platform;
  processes: Processes;
  journal: ReturnType<typeof readJournal>;
  finished: Awaited<ReturnType<typeof finishEvents>>;
  graph: ReturnType<ReturnType<typeof buildGraph>["compile"]>;
}

/** One run against its four records; adds what it finds to `report`. */
async function checkRun(context: Context, submitted: Submitted, report: RunReport): Promise<void> {
  const { platform, processes } = context;
  const problem = (what: string) => report.problems.push(`run ${submitted.runId}: ${what}`);
  const run = await platform.store.runs.get("default", submitted.runId);
  if (run === undefined) {
    problem("the run record is missing");
    return;
  }
  const ender = run.workerId ?? "none";
  report.endedBy[ender] = (report.endedBy[ender] ?? 0) + 1;
  if (run.status !== "success") problem(`status ${run.status} (${JSON.stringify(run.error)})`);
  const thread = await platform.store.threads.get("default", submitted.threadId);
  if (thread?.status !== "idle") problem(`thread status ${thread?.status}`);
  const state = await context.graph.getState({ configurable: { thread_id: submitted.threadId } });
  const { by = {}, ...rest } = state.values as { by?: Record<string, number> };
  if (JSON.stringify(rest) !== JSON.stringify(expectedValues(submitted.n)))
    problem(`final values ${JSON.stringify(rest)}`);
  const saved = await checkHistory(platform, submitted, problem);
  for (const [node, pid] of saved)
    if (by[node] !== pid)
      problem(`${node}: its saved write (by ${pid}) was replaced by ${by[node]}`);
  const executions = context.journal.get(submitted.runId) ?? new Map<string, Execution[]>();
  report.repeated += checkExecutions(executions, by, processes.lost, problem);
  checkAttempts(run, executions, processes, problem, report);
  const events = context.finished.get(submitted.runId) ?? [];
  const endedByLost = processes.pids[run.workerId ?? ""] === processes.lost;
  if (events.length === 0 && endedByLost) report.unaudited.push(run.runId);
  else if (events.length !== 1 || events[0]!.actor !== `worker:${run.workerId}`)
    problem(`run.finished audit events: ${JSON.stringify(events)}`);
  else if (events[0]!.status !== "success") problem(`audited status ${events[0]!.status}`);
}

/**
 * The checkpoints: one per step, all written for this run, and an intact hash chain. Returns
 * the nodes whose writes were saved as pending writes (a parallel sibling that finished while
 * another still ran), with the pid that wrote them: that execution's write is the one to keep.
 */
async function checkHistory(
  platform: Platform,
  submitted: Submitted,
  problem: (what: string) => void,
): Promise<Map<string, number>> {
  const saved = new Map<string, number>();
  const steps: number[] = [];
  for await (const tuple of platform.store.saver.list({
    configurable: { thread_id: submitted.threadId },
  })) {
    steps.push(tuple.metadata.step);
    for (const [, channel, value] of tuple.pendingWrites)
      if (channel === "by")
        for (const [node, pid] of Object.entries(value as Record<string, number>))
          saved.set(node, pid);
    if (tuple.metadata.run_id !== submitted.runId)
      problem(`checkpoint ${tuple.metadata.step} written by run ${tuple.metadata.run_id}`);
  }
  steps.sort((a, b) => a - b);
  if (JSON.stringify(steps) !== JSON.stringify(STEPS_WRITTEN))
    problem(`checkpoint steps ${JSON.stringify(steps)}`);
  const verified = await platform.store.saver.verify(submitted.threadId);
  if (!verified.ok) problem(`hash chain broken: ${JSON.stringify(verified)}`);
  return saved;
}

/**
 * The journal against the kept state (`by`: node -> pid of the execution whose write was kept).
 * Every node ran; the kept execution is the last one to start; no process ran a node twice;
 * a node ran twice only when the lost worker's execution came first, and only for the nodes
 * of one step (the one in progress when it died). Returns how many executions were repeated.
 */
function checkExecutions(
  executions: Map<string, Execution[]>,
  by: Record<string, number>,
  lost: number | undefined,
  problem: (what: string) => void,
): number {
  const repeated: string[] = [];
  for (const node of executions.keys())
    if (!NODES.includes(node)) problem(`journal names unknown node ${node}`);
  for (const node of NODES) {
    const list = executions.get(node) ?? [];
    const pids = list.map((e) => e.pid);
    const last = list.at(-1);
    if (last === undefined || !last.done || last.pid !== by[node])
      problem(`${node}: kept execution by ${by[node]}, executions ${JSON.stringify(list)}`);
    if (new Set(pids).size !== pids.length) problem(`${node}: one process ran it twice ${pids}`);
    if (list.length > 2 || (list.length === 2 && list[0]!.pid !== lost))
      problem(`${node}: ran ${list.length} times, by ${pids}`);
    if (list.length === 2) repeated.push(node);
  }
  if (repeated.length > 0 && !STEPS.some((step) => repeated.every((n) => step.includes(n))))
    problem(`nodes of different steps ran twice: ${repeated}`);
  return repeated.length;
}

/** Attempt 1: one process did everything. Attempt 2: taken over from the lost worker. */
function checkAttempts(
  run: Run,
  executions: Map<string, Execution[]>,
  processes: Processes,
  problem: (what: string) => void,
  report: RunReport,
): void {
  const ender = processes.pids[run.workerId ?? ""];
  const pids = new Set([...executions.values()].flat().map((e) => e.pid));
  if (run.attempt === 1) {
    if (pids.size !== 1 || !pids.has(ender!))
      problem(`attempt 1 ended by ${ender} but executed by ${[...pids]}`);
    return;
  }
  if (run.attempt !== 2 || processes.lost === undefined || ender === processes.lost)
    problem(`attempt ${run.attempt} ended by ${ender} (lost worker ${processes.lost})`);
  for (const pid of pids)
    if (pid !== ender && pid !== processes.lost) problem(`executed by a third process ${pid}`);
  report.recovered.push(run.runId);
}

/** The `run.finished` audit events, by run id. */
async function finishEvents(
  platform: Platform,
): Promise<Map<string, { actor: string; status: unknown }[]>> {
  const events = await platform.audit.list({ tenant: "default", kinds: ["run.finished"] });
  const byRun = new Map<string, { actor: string; status: unknown }[]>();
  for (const event of events) {
    const list = byRun.get(event.runId ?? "") ?? [];
    const status = (event.data as { status?: unknown }).status;
    list.push({ actor: event.actor ?? "", status });
    byRun.set(event.runId ?? "", list);
  }
  return byRun;
}
