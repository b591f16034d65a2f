/**
 * Checks a tenant's audit chain. Pure: adapters (and `verifyAuditLines`) read the rows and the
 * head record, this decides. Rows are pushed one at a time in seq order, so a chain of any
 * length is checked in constant memory, page by page.
 *
 * States of {@link AuditChainVerifier}: `checking` (each pushed row must be the next seq, link
 * to the previous hash and hash to its stored hash) -> `failed` at the first row that does not
 * (later rows are ignored) -> `finish(head)` compares the chain's end with the head record and
 * returns the verdict.
 */
import { auditHash } from "./chain.ts";
import type { AuditFailureReason, AuditHead, AuditRow, AuditVerifyResult } from "./types.ts";

type Failure = Extract<AuditVerifyResult, { ok: false }>;

/** Options of {@link AuditChainVerifier.finish}. */
export interface AuditFinishOptions {
  /**
   * True when the store's tenant count shows that some tenant's head record is gone. Only
   * consulted for a tenant with no events and no head: its whole log may have been deleted.
   */
  tenantMissing?: boolean;
}

/** An incremental chain check for one tenant; see the module comment for its states. */
export class AuditChainVerifier {
  readonly tenant: string;
  #count = 0;
  #last = { seq: 0, hash: "" };
  #failure: Failure | undefined;

  constructor(tenant: string) {
    this.tenant = tenant;
  }

  /** Whether a bad row was found (pushing more is pointless). */
  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /** Records a failure found outside the chain rules (an unreadable line, say). */
  fail(reason: AuditFailureReason, seq: number, message: string): void {
    this.#failure ??= this.#fail(reason, seq, this.#count, message);
  }

  /** The seq the next pushed row must have. */
  get expectedSeq(): number {
    return this.#last.seq + 1;
  }

  /** Checks the next row in seq order. Returns false once the chain has failed. */
  push(row: AuditRow): boolean {
    if (this.#failure !== undefined) return false;
    const reason = this.#check(row);
    if (reason !== undefined) {
      this.#failure = this.#fail(reason[0], reason[1], this.#count, reason[2]);
      return false;
    }
    this.#count++;
    this.#last = { seq: row.seq, hash: row.hash };
    return true;
  }

  #check(row: AuditRow): [AuditFailureReason, number, string] | undefined {
    const expected = this.expectedSeq;
    if (row.tenant !== this.tenant) {
      return [
        "row-corrupt",
        expected,
        `the event at seq ${expected} belongs to tenant ${JSON.stringify(row.tenant)}`,
      ];
    }
    if (row.seq !== expected) {
      const message =
        typeof row.seq === "number" && row.seq > expected
          ? `seq ${expected} is missing (the next event is seq ${row.seq}): an event was deleted or renumbered`
          : `found seq ${String(row.seq)} where seq ${expected} belongs: events were reordered or a row was inserted`;
      return ["seq-gap", expected, message];
    }
    if (row.prevHash !== this.#last.hash) {
      return [
        "broken-link",
        expected,
        `prevHash ${short(row.prevHash)} is not the hash of seq ${expected - 1} (${short(this.#last.hash)}): events were swapped, replaced or forged`,
      ];
    }
    let hash: string;
    try {
      hash = auditHash(row.prevHash, row);
    } catch (error) {
      return ["row-corrupt", expected, `the event cannot be encoded: ${(error as Error).message}`];
    }
    if (hash !== row.hash) {
      return [
        "hash-mismatch",
        expected,
        `stored hash ${short(row.hash)} but the content hashes to ${short(hash)}: the event was edited`,
      ];
    }
    return undefined;
  }

  /**
   * Compares the end of the chain with the head record and returns the verdict.
   * @param head - The tenant's head record, or undefined when there is none.
   */
  finish(head: AuditHead | undefined, options: AuditFinishOptions = {}): AuditVerifyResult {
    if (this.#failure !== undefined) return this.#failure;
    const failure = head === undefined ? this.#withoutHead(options) : this.#againstHead(head);
    if (failure !== undefined) return failure;
    return { ok: true, tenant: this.tenant, count: this.#count, head: head && { ...head } };
  }

  #fail(reason: AuditFailureReason, seq: number, count: number, message: string): Failure {
    return { ok: false, tenant: this.tenant, count, seq, reason, message };
  }

  #withoutHead(options: AuditFinishOptions): Failure | undefined {
    const last = this.#last.seq;
    if (last > 0) {
      return this.#fail(
        "head-missing",
        last,
        last - 1,
        `the tenant has ${last} events but no head record: it was deleted`,
      );
    }
    if (options.tenantMissing === true) {
      return this.#fail(
        "tenant-missing",
        1,
        0,
        "no events and no head record, but the tenant count shows a tenant's whole log was deleted",
      );
    }
    return undefined;
  }

  #againstHead(head: AuditHead): Failure | undefined {
    const last = this.#last;
    if (head.seq > last.seq) {
      return this.#fail(
        "truncated",
        last.seq + 1,
        last.seq,
        `the head record ends at seq ${head.seq} but the events end at seq ${last.seq}: the newest events were deleted`,
      );
    }
    if (head.seq < last.seq) {
      return this.#fail(
        "beyond-head",
        head.seq + 1,
        head.seq,
        `seq ${head.seq + 1}..${last.seq} follow the head record's seq ${head.seq}: events were inserted outside Conclave`,
      );
    }
    if (head.hash !== last.hash) {
      return this.#fail(
        "head-mismatch",
        last.seq,
        last.seq - 1,
        `the newest event hashes to ${short(last.hash)} but the head record holds ${short(head.hash)}: the newest event was replaced`,
      );
    }
    return undefined;
  }
}

/**
 * Verifies rows already in memory. Pure; never throws for tampering.
 * @param rows - Every row of the tenant, in seq order.
 * @param head - The tenant's head record, or undefined when there is none.
 */
export function verifyAuditRows(
  tenant: string,
  rows: Iterable<AuditRow>,
  head: AuditHead | undefined,
  options: AuditFinishOptions = {},
): AuditVerifyResult {
  const verifier = new AuditChainVerifier(tenant);
  for (const row of rows) if (!verifier.push(row)) break;
  return verifier.finish(head, options);
}

function short(hash: string): string {
  return typeof hash === "string" && hash !== "" ? `${hash.slice(0, 12)}...` : '""';
}
