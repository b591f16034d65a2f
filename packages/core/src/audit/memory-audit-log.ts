/**
 * The in-memory AuditLog, for tests and single-process use. It stores the same rows as the SQL
 * adapters and verifies them with the same code, so the contract suite checks all three alike.
 */
import { auditEventFromRow, sealAuditEvents } from "./chain.ts";
import { checkAuditQuery, checkAuditTenant, matchesAuditQuery } from "./query.ts";
import type {
  AuditEvent,
  AuditHead,
  AuditLog,
  AuditLogOptions,
  AuditQuery,
  AuditRow,
  AuditVerifyResult,
  NewAuditEvent,
} from "./types.ts";
import { createAuditPreparer, type PreparedAuditEvent } from "./validate.ts";
import { verifyAuditRows } from "./verify.ts";

/**
 * An {@link AuditLog} in process memory; events are kept until the process exits.
 * @example
 * const log = new MemoryAuditLog({ extraSecrets: [process.env.OPENAI_API_KEY!] });
 * await log.append([{ tenant: "acme", kind: "run.created", actor: "key:k1", runId: "r1" }]);
 */
export class MemoryAuditLog implements AuditLog {
  readonly #rows = new Map<string, AuditRow[]>();
  readonly #heads = new Map<string, AuditHead>();
  readonly #prepare: (events: readonly NewAuditEvent[]) => PreparedAuditEvent[];

  /** @throws InvalidAuditOptionError for a bad secret list or clock. */
  constructor(options: AuditLogOptions = {}) {
    this.#prepare = createAuditPreparer(options);
  }

  /** Appends atomically: validation runs on the whole batch before anything is stored. */
  async append(events: readonly NewAuditEvent[]): Promise<AuditEvent[]> {
    const prepared = this.#prepare(events);
    const { rows, heads } = sealAuditEvents(prepared, this.#heads);
    for (const row of rows) {
      let chain = this.#rows.get(row.tenant);
      if (chain === undefined) {
        chain = [];
        this.#rows.set(row.tenant, chain);
      }
      chain.push(row);
    }
    for (const head of heads) this.#heads.set(head.tenant, head);
    return rows.map(auditEventFromRow);
  }

  /** Events passing the filters, by seq. */
  async list(query: AuditQuery): Promise<AuditEvent[]> {
    const checked = checkAuditQuery(query);
    const out: AuditEvent[] = [];
    // Rows are in seq order, so the first afterSeq rows can be skipped by index.
    const chain = this.#rows.get(checked.tenant) ?? [];
    for (let i = checked.afterSeq; i < chain.length; i++) {
      if (checked.limit !== undefined && out.length >= checked.limit) break;
      const row = chain[i]!;
      if (matchesAuditQuery(checked, row)) out.push(auditEventFromRow(row));
    }
    return out;
  }

  async verify(tenant: string): Promise<AuditVerifyResult> {
    checkAuditTenant(tenant);
    return verifyAuditRows(tenant, this.#rows.get(tenant) ?? [], this.#heads.get(tenant));
  }

  async head(tenant: string): Promise<AuditHead | undefined> {
    checkAuditTenant(tenant);
    const head = this.#heads.get(tenant);
    return head === undefined ? undefined : { ...head };
  }
}
