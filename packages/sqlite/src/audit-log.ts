/**
 * The SQLite AuditLog. Every append is one `BEGIN IMMEDIATE` transaction: it takes the
 * database's single write lock before reading any head, so two processes sharing the file
 * cannot both chain onto the same head; each tenant's chain stays linear. A process that finds
 * the lock held waits up to `busy_timeout` (default 5 s), then fails with SQLITE_BUSY having
 * written nothing. `verify` reads the head and every page of rows in one read transaction, so
 * it sees one snapshot even while other processes append.
 */
import {
  AuditChainVerifier,
  type AuditEvent,
  type AuditHead,
  type AuditLog,
  type AuditLogOptions,
  type AuditQuery,
  type AuditRow,
  type AuditVerifyResult,
  auditEventFromRow,
  checkAuditQuery,
  checkAuditTenant,
  createAuditPreparer,
  type NewAuditEvent,
  type PreparedAuditEvent,
  sealAuditEvents,
} from "@conclave/core";
import type { Database, Statement, Transaction } from "better-sqlite3";
import { openMeteringDatabase, type SqliteMeteringOptions } from "./budget-store.ts";
import { migrate } from "./migrate.ts";
import { AUDIT_SQL, auditListSql } from "./sql/audit-statements.ts";

/** Rows read per query by `verify`. */
const VERIFY_PAGE = 2000;

/**
 * An {@link AuditLog} in a SQLite file, safe to share between processes. Share the checkpoint
 * saver's connection (`new SqliteAuditLog(saver.db)`) or open a file.
 * @example
 * const audit = SqliteAuditLog.fromConnString("./conclave.db", { extraSecrets: [apiKey] });
 * await audit.append([{ tenant: "acme", kind: "run.created", actor: "key:k1", runId }]);
 * const result = await audit.verify("acme");
 */
export class SqliteAuditLog implements AuditLog {
  /** The connection, for callers that share it. */
  readonly db: Database;
  readonly #owned: boolean;
  readonly #prepare: (events: readonly NewAuditEvent[]) => PreparedAuditEvent[];
  readonly #statements = new Map<string, Statement>();
  #migrated = false;
  /** Built once: `db.transaction()` prepares its own statements and costs more than a write. */
  #append: Transaction<(batch: PreparedAuditEvent[]) => AuditRow[]> | undefined;

  /** Opens (or creates) a file, in WAL mode. The log owns and closes it. */
  static fromConnString(
    path: string,
    options: SqliteMeteringOptions & AuditLogOptions = {},
  ): SqliteAuditLog {
    return new SqliteAuditLog(openMeteringDatabase(path, options), options, true);
  }

  /**
   * Uses an open connection; migrations run on first use.
   * @param owned - Whether {@link close} closes the connection (default false).
   * @throws InvalidAuditOptionError for a bad secret list or clock.
   */
  constructor(db: Database, options: AuditLogOptions = {}, owned = false) {
    this.db = db;
    this.#owned = owned;
    this.#prepare = createAuditPreparer(options);
  }

  /** Runs the migrations on first use (outside any transaction of ours); returns the db. */
  #ready(): Database {
    if (!this.#migrated) migrate(this.db);
    this.#migrated = true;
    return this.db;
  }

  #stmt(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#ready().prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Appends the whole batch in one immediate transaction, or nothing. */
  async append(events: readonly NewAuditEvent[]): Promise<AuditEvent[]> {
    return this.appendWithin(events);
  }

  /**
   * `append`, synchronously: inside a transaction the caller holds on {@link db} it is a
   * savepoint of it, so the events commit (or roll back) with the caller's other writes.
   */
  appendWithin(events: readonly NewAuditEvent[]): AuditEvent[] {
    const prepared = this.#prepare(events);
    if (prepared.length === 0) return [];
    this.#append ??= this.#ready().transaction((batch: PreparedAuditEvent[]) => this.#write(batch));
    return this.#append.immediate(prepared).map(auditEventFromRow);
  }

  /** Chains and stores a batch; runs inside the immediate transaction. */
  #write(prepared: PreparedAuditEvent[]): AuditRow[] {
    const heads = new Map<string, AuditHead | undefined>();
    const getHead = this.#stmt(AUDIT_SQL.head);
    for (const { tenant } of prepared) {
      if (!heads.has(tenant)) heads.set(tenant, getHead.get(tenant) as AuditHead | undefined);
    }
    const sealed = sealAuditEvents(prepared, heads);
    const insert = this.#stmt(AUDIT_SQL.insert);
    for (const row of sealed.rows) insert.run(row);
    const putHead = this.#stmt(AUDIT_SQL.putHead);
    for (const head of sealed.heads) putHead.run(head);
    if (sealed.created.length > 0) this.#stmt(AUDIT_SQL.addTenants).run(sealed.created.length);
    return sealed.rows;
  }

  /** Events passing the filters, by seq. */
  async list(query: AuditQuery): Promise<AuditEvent[]> {
    const checked = checkAuditQuery(query);
    const params: Record<string, string | number> = {
      tenant: checked.tenant,
      afterSeq: checked.afterSeq,
      limit: checked.limit ?? -1,
    };
    if (checked.runId !== undefined) params.runId = checked.runId;
    if (checked.kinds !== undefined) params.kinds = JSON.stringify(checked.kinds);
    if (checked.from !== undefined) params.from = checked.from;
    if (checked.to !== undefined) params.to = checked.to;
    const rows = this.#stmt(auditListSql(checked)).all(params) as AuditRow[];
    return rows.map(auditEventFromRow);
  }

  /** Recomputes the tenant's chain page by page inside one read transaction. */
  async verify(tenant: string): Promise<AuditVerifyResult> {
    checkAuditTenant(tenant);
    const read = () => {
      const head = this.#stmt(AUDIT_SQL.head).get(tenant) as AuditHead | undefined;
      const verifier = new AuditChainVerifier(tenant);
      let rows = this.#stmt(AUDIT_SQL.firstPage).all(tenant, VERIFY_PAGE) as AuditRow[];
      for (;;) {
        for (const row of rows) if (!verifier.push(row)) return verifier.finish(head);
        if (rows.length < VERIFY_PAGE) break;
        const afterSeq = rows[rows.length - 1]!.seq;
        rows = this.#stmt(AUDIT_SQL.page).all(tenant, afterSeq, VERIFY_PAGE) as AuditRow[];
      }
      const empty = head === undefined && verifier.expectedSeq === 1;
      const tenantMissing = empty && this.#tenantMissing();
      return verifier.finish(head, { tenantMissing });
    };
    return this.#ready().transaction(read).deferred();
  }

  #tenantMissing(): boolean {
    return (this.#stmt(AUDIT_SQL.tenantMissing).get() as { missing: number }).missing === 1;
  }

  async head(tenant: string): Promise<AuditHead | undefined> {
    checkAuditTenant(tenant);
    return this.#stmt(AUDIT_SQL.head).get(tenant) as AuditHead | undefined;
  }

  /** Closes the connection when this log opened it. */
  close(): void {
    if (this.#owned && this.db.open) this.db.close();
  }
}
