/**
 * Crons on SQLite. The store keeps schedules and their next firing; the scheduler computes
 * firings. `advance` is a compare-and-set on `next_run_at`, so when several schedulers see the
 * same due cron only one of them fires it.
 */
import {
  alreadyExists,
  type Cron,
  type CronRepo,
  type CronRow,
  checkId,
  cronFromRow,
  cronNotFound,
  cronToRow,
  InvalidArgumentError,
  ms,
  type NewCron,
} from "@conclave/core";
import { CRON_COLUMNS, CRON_SQL } from "../sql/platform-statements.ts";
import { whereEqual, whereSql, whereTenant, withPage } from "./filters.ts";
import type { PlatformDb } from "./platform-db.ts";

type CronPatch = Parameters<CronRepo["update"]>[2];

/** The {@link CronRepo} of the SQLite platform store. */
export class SqliteCrons implements CronRepo {
  readonly #db: PlatformDb;

  constructor(db: PlatformDb) {
    this.#db = db;
  }

  async create(input: NewCron, now: Date): Promise<Cron> {
    const tenant = checkId(input.tenant, "tenant");
    const cronId = checkId(input.cronId, "cronId");
    checkTime(input.nextRunAt, "nextRunAt");
    if (input.endTime !== null) checkTime(input.endTime, "endTime");
    const at = now.toISOString();
    const cron: Cron = {
      ...input,
      enabled: input.enabled ?? true,
      lastRunAt: null,
      createdAt: at,
      updatedAt: at,
    };
    return this.#db.write(() => {
      if (this.#db.stmt(CRON_SQL.get).get(tenant, cronId) !== undefined) {
        throw alreadyExists("Cron", cronId);
      }
      this.#db.stmt(CRON_SQL.insert).run(cronToRow(cron));
      return cronFromRow(cronToRow(cron));
    });
  }

  async get(tenant: string, cronId: string): Promise<Cron | undefined> {
    const row = this.#db.stmt(CRON_SQL.get).get(tenant, cronId) as CronRow | undefined;
    return row === undefined ? undefined : cronFromRow(row);
  }

  async search(query: {
    tenant: string;
    assistantId?: string;
    threadId?: string;
    limit?: number;
    offset?: number;
  }): Promise<Cron[]> {
    const where = whereTenant(query.tenant);
    whereEqual(where, "assistant_id", "assistantId", query.assistantId);
    whereEqual(where, "thread_id", "threadId", query.threadId);
    const sql = `SELECT ${CRON_COLUMNS} FROM conclave_crons WHERE ${whereSql(where)}
      ORDER BY rowid LIMIT @limit OFFSET @offset`;
    return (this.#db.stmt(sql).all(withPage(where, query)) as CronRow[]).map(cronFromRow);
  }

  async update(tenant: string, cronId: string, patch: CronPatch, now: Date): Promise<Cron> {
    if (patch.nextRunAt !== undefined) checkTime(patch.nextRunAt, "nextRunAt");
    if (patch.endTime !== undefined && patch.endTime !== null) checkTime(patch.endTime, "endTime");
    return this.#db.write(() => {
      const row = this.#db.stmt(CRON_SQL.get).get(tenant, cronId) as CronRow | undefined;
      if (row === undefined) throw cronNotFound(tenant, cronId);
      const cron: Cron = { ...cronFromRow(row), ...patch, updatedAt: now.toISOString() };
      const updated = cronToRow(cron);
      this.#db.stmt(CRON_SQL.replace).run(updated);
      return cronFromRow(updated);
    });
  }

  async delete(tenant: string, cronId: string): Promise<boolean> {
    return this.#db.write(() => this.#db.stmt(CRON_SQL.delete).run(tenant, cronId).changes > 0);
  }

  async due(now: Date, limit: number): Promise<Cron[]> {
    const rows = this.#db.stmt(CRON_SQL.due).all(now.getTime(), limit) as CronRow[];
    return rows.map(cronFromRow);
  }

  async advance(
    tenant: string,
    cronId: string,
    firedAt: string,
    nextRunAt: string | null,
    now: Date,
  ): Promise<boolean> {
    const params = {
      tenant,
      cronId,
      firedAt: ms(firedAt),
      nextRunAt: nextRunAt === null ? null : ms(nextRunAt),
      now: now.getTime(),
    };
    return this.#db.write(() => this.#db.stmt(CRON_SQL.advance).run(params).changes === 1);
  }
}

/** Times are stored as milliseconds, so an unparsable one would be lost: refuse it. */
function checkTime(value: unknown, what: string): void {
  if (typeof value !== "string" || Number.isNaN(Date.parse(value))) {
    throw new InvalidArgumentError(
      `${what} must be an ISO-8601 time; got ${JSON.stringify(value)}.`,
      "INVALID_ARGUMENT",
    );
  }
}
