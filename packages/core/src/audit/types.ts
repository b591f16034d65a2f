/**
 * The audit log contract: an append-only, hash-chained record of what happened, per tenant.
 * Each tenant's events form one chain numbered 1, 2, 3... with no gaps:
 *
 *     hash = hex(sha256(utf8(prevHash + "\n" + payload)))
 *
 * where `prevHash` is the previous event's hash ("" for seq 1) and `payload` is the canonical
 * encoding of the event's fields (see `chain.ts`). A per-tenant head record (newest seq and
 * hash) is written in the same transaction as every append, so deleting the newest events is
 * detected too.
 */

/** A JSON object: what an event's `data` holds once normalised and redacted. */
export type AuditData = Record<string, unknown>;

/** An event as a caller hands it to `append`. The log assigns seq, id, hashes (and ts). */
export interface NewAuditEvent {
  /** The tenant whose chain the event joins. */
  tenant: string;
  /** Dotted lower-case name such as "run.created"; see {@link AUDIT_EVENT_KINDS}. */
  kind: string;
  /** Who acted: "key:abc", "user:ada", "worker:w1", "system"; null when nobody can be named. */
  actor: string | null;
  runId?: string;
  threadId?: string;
  /**
   * Details, as a JSON object. Normalised before hashing: bigint becomes a decimal string, Date
   * an ISO string, undefined properties are dropped. Secrets are redacted.
   */
  data?: Record<string, unknown>;
  /** When it happened; defaults to the log's clock. Stored as `Date.toISOString()` text. */
  ts?: Date | string;
}

/** An event as stored and returned. */
export interface AuditEvent {
  tenant: string;
  /** 1-based position in the tenant's chain, gapless. */
  seq: number;
  /** A random UUID. */
  id: string;
  /** ISO-8601 UTC time with milliseconds ("2026-11-22T14:15:00.000Z"). */
  ts: string;
  kind: string;
  actor: string | null;
  runId?: string;
  threadId?: string;
  data: AuditData;
  /** The previous event's hash, "" for seq 1. */
  prevHash: string;
  /** Hex SHA-256 of prevHash + "\n" + payload. */
  hash: string;
}

/**
 * An event as the SQL adapters store it: `data` is kept as its canonical text, which is what
 * the hash covers, so any byte edited in it is detected. Column names are the snake_case.
 */
export interface AuditRow {
  tenant: string;
  seq: number;
  id: string;
  ts: string;
  kind: string;
  actor: string | null;
  runId: string | null;
  threadId: string | null;
  /** Canonical encoding (`serde/encode`) of the data object. */
  data: string;
  prevHash: string;
  hash: string;
}

/** The newest event of a tenant's chain, as the head record stores it. */
export interface AuditHead {
  tenant: string;
  seq: number;
  hash: string;
}

/** Which events `list` returns, oldest (lowest seq) first. */
export interface AuditQuery {
  tenant: string;
  /** Only events with a higher seq: resume a listing where the last page ended. */
  afterSeq?: number;
  /** At most this many events (>= 1); all when absent. */
  limit?: number;
  runId?: string;
  /** Only these kinds; an empty array matches nothing. */
  kinds?: string[];
  /** Inclusive lower bound on `ts`. */
  from?: Date | string;
  /** Exclusive upper bound on `ts`. */
  to?: Date | string;
}

/**
 * Why `verify` rejected a chain. Each names a kind of damage:
 * - `seq-gap`: the expected seq is missing or out of order (an event was deleted, or events
 *   were reordered);
 * - `broken-link`: an event's prevHash is not the previous event's hash (events were swapped,
 *   replaced or forged);
 * - `hash-mismatch`: the recomputed hash differs from the stored one (a column was edited);
 * - `row-corrupt`: a stored row or exported line cannot be read;
 * - `truncated`: the chain ends before its head record (the newest events were deleted);
 * - `beyond-head`: events follow the head record (inserted outside Conclave);
 * - `head-mismatch`: the head record's hash differs from the newest event's (it was replaced);
 * - `head-missing`: the tenant has events but no head record;
 * - `tenant-missing`: the tenant has nothing, but the count of tenants shows that a tenant's
 *   whole log (events and head) was deleted.
 */
export type AuditFailureReason =
  | "seq-gap"
  | "broken-link"
  | "hash-mismatch"
  | "row-corrupt"
  | "truncated"
  | "beyond-head"
  | "head-mismatch"
  | "head-missing"
  | "tenant-missing";

/**
 * What `verify` found. `count` is the number of events that checked out: all of them when ok,
 * those before the first bad one otherwise. Tampering is reported, never thrown.
 */
export type AuditVerifyResult =
  | { ok: true; tenant: string; count: number; head: AuditHead | undefined }
  | {
      ok: false;
      tenant: string;
      count: number;
      /** The first seq of the chain that does not check out. */
      seq: number;
      reason: AuditFailureReason;
      /** What was found, in words. */
      message: string;
    };

/** Options every audit log takes. */
export interface AuditLogOptions {
  /** Secret values (API keys from the registry...) to redact wherever they appear. */
  extraSecrets?: readonly string[];
  /** The clock for events appended without `ts`; defaults to the system clock. */
  now?: () => Date;
}

/**
 * An append-only, tamper-evident audit log.
 * @example
 * const [event] = await log.append([
 *   { tenant: "acme", kind: "run.created", actor: "key:k1", runId, data: { assistant: "triage" } },
 * ]);
 * const result = await log.verify("acme"); // { ok: true, count: 1, ... }
 */
export interface AuditLog {
  /**
   * Appends events atomically: all of them or none, in one transaction, even when they belong
   * to several tenants. Each tenant's events get the next seqs in the order given. Returns the
   * stored events in the order given.
   * @throws InvalidAuditEventError (AUDIT_INVALID_EVENT) before writing anything.
   */
  append(events: readonly NewAuditEvent[]): Promise<AuditEvent[]>;
  /**
   * Optional: chains events a store left for this log to append (PostgreSQL's audit outbox,
   * written by `RunQueue.finishAudited`). Logs without such a place do not have it.
   */
  flushPending?(): Promise<void>;
  /** Events of one tenant passing the filters, by seq. */
  list(query: AuditQuery): Promise<AuditEvent[]>;
  /** Recomputes the tenant's whole chain and checks it against the head record. */
  verify(tenant: string): Promise<AuditVerifyResult>;
  /** The tenant's newest seq and hash, or undefined before its first event. */
  head(tenant: string): Promise<AuditHead | undefined>;
}
