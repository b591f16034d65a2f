/**
 * Claiming runs: one IMMEDIATE transaction reads candidates in claim order from the pending
 * index and marks up to `limit` of them running, so processes sharing the file never claim the
 * same run. Candidates are already pending, due, first in their thread's line and on a free
 * thread (the SQL checks that); this file applies the per-assistant and per-tenant limits.
 * The scan reads only line heads, so it costs O(log n) per claimed run plus one step per head
 * it skips: heads on busy threads (at most one per running run), delayed heads of a higher
 * priority, other graphs' heads, and heads over a concurrency limit.
 */
import {
  type ClaimRequest,
  checkId,
  InvalidArgumentError,
  type Run,
  type RunRow,
  runFromRow,
} from "@conclave/core";
import { candidatesSql, RUN_SQL } from "../sql/platform-run-statements.ts";
import { WORKER_SQL } from "../sql/platform-statements.ts";
import type { PlatformDb } from "./platform-db.ts";
import { refreshHead } from "./run-transitions.ts";

/** A claim candidate, with the claim-order key its page cursor continues from. */
interface Candidate {
  seq: number;
  runId: string;
  tenant: string;
  threadId: string;
  assistantId: string;
  priority: number;
  runAt: number;
}

/** Candidates read per page when limits may skip some (without limits: exactly `limit`). */
const LIMITED_PAGE = 64;

/** Claims up to `request.limit` runs for the worker, in claim order. */
export function claimRuns(db: PlatformDb, request: ClaimRequest): Run[] {
  checkId(request.workerId, "workerId");
  checkLimit(request.limit, "limit");
  return db.write(() => {
    if (db.stmt(WORKER_SQL.exists).get(request.workerId) === undefined) {
      throw new InvalidArgumentError(
        `Worker ${JSON.stringify(request.workerId)} is not registered; call workers.register() before claiming.`,
        "WORKER_NOT_REGISTERED",
      );
    }
    const claimed: Run[] = [];
    const limits = new RunningLimits(db, request);
    const pageSize = limits.any ? Math.max(request.limit, LIMITED_PAGE) : request.limit;
    let after = { afterPriority: -Infinity, afterRunAt: 0, afterSeq: 0 };
    while (claimed.length < request.limit) {
      const page = candidates(db, request, after, pageSize);
      for (const candidate of page) {
        if (claimed.length === request.limit) break;
        if (limits.admit(candidate)) claimed.push(claimOne(db, candidate, request));
      }
      const last = page[page.length - 1];
      if (last === undefined || page.length < pageSize) break;
      after = { afterPriority: -last.priority, afterRunAt: last.runAt, afterSeq: last.seq };
    }
    return claimed;
  });
}

function candidates(
  db: PlatformDb,
  request: ClaimRequest,
  after: { afterPriority: number; afterRunAt: number; afterSeq: number },
  limit: number,
): Candidate[] {
  const graphs = request.graphIds;
  const params: Record<string, unknown> = { ...after, now: request.now.getTime() };
  graphs?.forEach((graphId, i) => {
    params[`g${i}`] = graphId;
  });
  const sql = candidatesSql(limit, graphs === undefined ? null : graphs.length);
  return db.stmt(sql).all(params) as Candidate[];
}

function claimOne(db: PlatformDb, candidate: Candidate, request: ClaimRequest): Run {
  const params = { seq: candidate.seq, workerId: request.workerId, now: request.now.getTime() };
  const run = runFromRow(db.stmt(RUN_SQL.claim).get(params) as RunRow);
  const thread = { tenant: run.tenant, threadId: run.threadId, runId: run.runId };
  db.stmt(RUN_SQL.holdThread).run(thread);
  // The next run in line becomes the head; it waits in the index until the thread is free.
  refreshHead(db, run.tenant, run.threadId);
  // Taken, not only left alone, when not fresh: a note from a claim that rolled back is stale.
  if (db.stmt(RUN_SQL.hasRoot).get(run.threadId) === undefined)
    db.fresh.note(run.runId, run.threadId);
  else db.fresh.take(run.runId);
  return run;
}

/**
 * Running-run counts per tenant and per assistant, read lazily (only for the tenants and
 * assistants the candidates name) and counted up as this claim admits runs.
 */
class RunningLimits {
  readonly any: boolean;
  readonly #db: PlatformDb;
  readonly #request: ClaimRequest;
  readonly #counts = new Map<string, number>();

  constructor(db: PlatformDb, request: ClaimRequest) {
    this.#db = db;
    this.#request = request;
    if (request.maxPerAssistant !== undefined)
      checkLimit(request.maxPerAssistant, "maxPerAssistant");
    if (request.maxPerTenant !== undefined) checkLimit(request.maxPerTenant, "maxPerTenant");
    this.any = request.maxPerAssistant !== undefined || request.maxPerTenant !== undefined;
  }

  /** Whether the candidate fits both limits; counts it when it does. */
  admit(candidate: Candidate): boolean {
    if (!this.any) return true;
    const { maxPerAssistant, maxPerTenant } = this.#request;
    const byTenant = `t\0${candidate.tenant}`;
    const byAssistant = `a\0${candidate.tenant}\0${candidate.assistantId}`;
    const tenantCount = this.#count(byTenant, RUN_SQL.runningByTenant, [candidate.tenant]);
    const assistantCount = this.#count(byAssistant, RUN_SQL.runningByAssistant, [
      candidate.tenant,
      candidate.assistantId,
    ]);
    if (maxPerTenant !== undefined && tenantCount >= maxPerTenant) return false;
    if (maxPerAssistant !== undefined && assistantCount >= maxPerAssistant) return false;
    this.#counts.set(byTenant, tenantCount + 1);
    this.#counts.set(byAssistant, assistantCount + 1);
    return true;
  }

  #count(key: string, sql: string, args: string[]): number {
    let count = this.#counts.get(key);
    if (count === undefined) {
      count = (this.#db.stmt(sql).get(...args) as { n: number }).n;
      this.#counts.set(key, count);
    }
    return count;
  }
}

function checkLimit(value: unknown, what: string): void {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw new InvalidArgumentError(
      `${what} must be an integer >= 0; got ${JSON.stringify(value)}.`,
      "INVALID_ARGUMENT",
    );
  }
}
