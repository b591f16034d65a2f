/**
 * The audit hash chain, shared by every AuditLog so they store byte-identical rows. An event's
 * payload is the canonical encoding (`serde/encode`, sorted keys) of
 *
 *     {format, tenant, seq, id, ts, kind, actor, runId, threadId, data}
 *
 * with absent actor/runId/threadId as null and `data` as its stored canonical text (a JSON
 * string inside the payload), so every byte of every stored column except the hashes is
 * covered. Then
 *
 *     hash = hex(sha256(utf8(prevHash + "\n" + payload)))
 *
 * with prevHash "" for seq 1: the same formula as checkpoint rows (`checkpoint/row.ts`).
 */
import { chainHash } from "../checkpoint/row.ts";
import { decode } from "../serde/decode.ts";
import { encode } from "../serde/encode.ts";
import type { AuditData, AuditEvent, AuditHead, AuditRow } from "./types.ts";
import type { PreparedAuditEvent } from "./validate.ts";

/** The payload format this runtime writes; it is part of every hashed payload. */
export const AUDIT_FORMAT_VERSION = 1;

/** The canonical payload of a row: what its hash covers besides prevHash. Pure. */
export function auditPayload(row: Omit<AuditRow, "prevHash" | "hash">): string {
  return encode({
    format: AUDIT_FORMAT_VERSION,
    tenant: row.tenant,
    seq: row.seq,
    id: row.id,
    ts: row.ts,
    kind: row.kind,
    actor: row.actor,
    runId: row.runId,
    threadId: row.threadId,
    data: row.data,
  });
}

/** The hash a row must carry, given the previous event's hash ("" for seq 1). Pure. */
export function auditHash(prevHash: string, row: Omit<AuditRow, "prevHash" | "hash">): string {
  return chainHash(prevHash, auditPayload(row));
}

/** What {@link sealAuditEvents} produced. */
export interface SealedAuditBatch {
  /** The chained rows, in the order the events were given. */
  rows: AuditRow[];
  /** The new head of every tenant the batch touched, in order of first appearance. */
  heads: AuditHead[];
  /** Tenants that had no head before this batch. */
  created: string[];
}

/**
 * Chains prepared events onto their tenants' heads: each tenant's events take the next seqs in
 * the order given. Pure; adapters call it inside the transaction that holds the heads' locks.
 * @param heads - The current head of each tenant in the batch (undefined for a new tenant).
 */
export function sealAuditEvents(
  events: readonly PreparedAuditEvent[],
  heads: ReadonlyMap<string, AuditHead | undefined>,
): SealedAuditBatch {
  const next = new Map<string, AuditHead>();
  const created: string[] = [];
  const rows = events.map((event) => {
    let head = next.get(event.tenant);
    if (head === undefined) {
      head = heads.get(event.tenant) ?? { tenant: event.tenant, seq: 0, hash: "" };
      if (head.seq === 0) created.push(event.tenant);
    }
    const unsealed = { ...event, seq: head.seq + 1 };
    const row: AuditRow = {
      ...unsealed,
      prevHash: head.hash,
      hash: auditHash(head.hash, unsealed),
    };
    next.set(event.tenant, { tenant: event.tenant, seq: row.seq, hash: row.hash });
    return row;
  });
  return { rows, heads: [...next.values()], created };
}

/**
 * The event a stored row holds.
 * @throws CheckpointFormatError when the row's data is not valid encoded JSON (a corrupt row;
 *   `verify` reports which).
 */
export function auditEventFromRow(row: AuditRow): AuditEvent {
  const event: AuditEvent = {
    tenant: row.tenant,
    seq: row.seq,
    id: row.id,
    ts: row.ts,
    kind: row.kind,
    actor: row.actor,
    data: decode(row.data) as AuditData,
    prevHash: row.prevHash,
    hash: row.hash,
  };
  if (row.runId !== null) event.runId = row.runId;
  if (row.threadId !== null) event.threadId = row.threadId;
  return event;
}

/** The stored row of an event (the inverse of {@link auditEventFromRow}). Pure. */
export function auditRowFromEvent(event: AuditEvent): AuditRow {
  return {
    tenant: event.tenant,
    seq: event.seq,
    id: event.id,
    ts: event.ts,
    kind: event.kind,
    actor: event.actor,
    runId: event.runId ?? null,
    threadId: event.threadId ?? null,
    data: encode(event.data),
    prevHash: event.prevHash,
    hash: event.hash,
  };
}
