/**
 * How usage records and aggregates map to table rows, shared by the SQL adapters. Money
 * travels as decimal text; token sums as text or numbers (exact below 2^53 tokens).
 */
import type { LedgerDimension, LedgerRow, UsageRecord } from "./types.ts";

/** A `conclave_usage` row, columns as named parameters. */
export interface UsageRow {
  id: string;
  ts: string;
  tsMs: number;
  runId: string | null;
  threadId: string | null;
  node: string | null;
  agent: string | null;
  tenant: string | null;
  alias: string;
  deployment: string;
  provider: string;
  model: string;
  inputNoCache: number;
  inputCacheRead: number;
  inputCacheWrite: number;
  outputText: number;
  outputReasoning: number;
  costPico: string;
  priceVersion: string;
  latencyMs: number;
  ttftMs: number | null;
  status: string;
  /** 1 or 0 (SQLite has no boolean), or a boolean. */
  streamed: number | boolean;
}

/** One aggregate row as SQL returns it: dimension columns named after the dimension. */
export type AggregateRow = Partial<Record<LedgerDimension, string | null>> & {
  calls: number | string;
  inputNoCache: number | string;
  inputCacheRead: number | string;
  inputCacheWrite: number | string;
  outputText: number | string;
  outputReasoning: number | string;
  costPico: string;
};

/** A record as a row; `tsMs` from `checkUsageRecord`. Pure. */
export function usageToRow(record: UsageRecord, tsMs: number): UsageRow {
  return {
    id: record.id,
    ts: record.ts,
    tsMs,
    runId: record.runId ?? null,
    threadId: record.threadId ?? null,
    node: record.node ?? null,
    agent: record.agent ?? null,
    tenant: record.tenant ?? null,
    alias: record.alias,
    deployment: record.deployment,
    provider: record.provider,
    model: record.model,
    ...record.tokens,
    costPico: record.costPico.toString(),
    priceVersion: record.priceVersion,
    latencyMs: record.latencyMs,
    ttftMs: record.ttftMs ?? null,
    status: record.status,
    streamed: record.streamed ? 1 : 0,
  };
}

/** A row as the record it stored; absent optional fields stay absent. Pure. */
export function usageFromRow(row: UsageRow): UsageRecord {
  const optional = {
    runId: row.runId,
    threadId: row.threadId,
    node: row.node,
    agent: row.agent,
    tenant: row.tenant,
    ttftMs: row.ttftMs,
  };
  const present = Object.entries(optional).filter(([, value]) => value !== null);
  return {
    id: row.id,
    ts: row.ts,
    ...Object.fromEntries(present),
    alias: row.alias,
    deployment: row.deployment,
    provider: row.provider,
    model: row.model,
    tokens: {
      inputNoCache: Number(row.inputNoCache),
      inputCacheRead: Number(row.inputCacheRead),
      inputCacheWrite: Number(row.inputCacheWrite),
      outputText: Number(row.outputText),
      outputReasoning: Number(row.outputReasoning),
    },
    costPico: BigInt(row.costPico),
    priceVersion: row.priceVersion,
    latencyMs: Number(row.latencyMs),
    status: row.status as UsageRecord["status"],
    streamed: row.streamed === true || row.streamed === 1,
  };
}

/** An aggregate row as a LedgerRow; a NULL dimension (e.g. no agent) is left out of `key`. */
export function ledgerRowFrom(row: AggregateRow, groupBy: LedgerDimension[]): LedgerRow {
  const key: LedgerRow["key"] = {};
  for (const dimension of groupBy) {
    const value = row[dimension];
    if (value !== null && value !== undefined) key[dimension] = value;
  }
  return {
    key,
    calls: Number(row.calls),
    tokens: {
      inputNoCache: Number(row.inputNoCache),
      inputCacheRead: Number(row.inputCacheRead),
      inputCacheWrite: Number(row.inputCacheWrite),
      outputText: Number(row.outputText),
      outputReasoning: Number(row.outputReasoning),
    },
    costPico: BigInt(row.costPico),
  };
}
