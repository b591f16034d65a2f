/**
 * Crons in PostgreSQL. `due` reads across tenants (the scheduler serves them all); `advance` is
 * a compare-and-set on `next_run_at`, so of several schedulers firing one cron only one wins.
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
  ms,
  type NewCron,
  pageOf,
} from "@conclave/core";
import { CRON_FIELDS, valuesOf } from "../sql/platform-columns.ts";
import type { PlatformDb } from "./platform-db.ts";

/** The fields `update` may change. */
type CronPatch = Partial<
  Pick<Cron, "schedule" | "timeZone" | "kwargs" | "metadata" | "enabled" | "endTime" | "nextRunAt">
>;

/** The {@link CronRepo} of {@link PostgresPlatformStore}. */
export class PostgresCrons implements CronRepo {
  readonly #db: PlatformDb;

  constructor(db: PlatformDb) {
    this.#db = db;
  }

  async create(input: NewCron, now: Date): Promise<Cron> {
    checkId(input.tenant, "tenant");
    checkId(input.cronId, "cronId");
    const at = now.toISOString();
    const cron: Cron = {
      ...input,
      enabled: input.enabled ?? true,
      lastRunAt: null,
      createdAt: at,
      updatedAt: at,
    };
    const row = cronToRow(cron);
    const { rowCount } = await this.#db.query("cronInsert", valuesOf(row, CRON_FIELDS));
    if (rowCount === 0) throw alreadyExists("Cron", input.cronId);
    return cronFromRow(row);
  }

  async get(tenant: string, cronId: string): Promise<Cron | undefined> {
    const [row] = await this.#db.rows<CronRow>("cronGet", [tenant, cronId]);
    return row === undefined ? undefined : cronFromRow(row);
  }

  /** Oldest first. */
  async search(query: {
    tenant: string;
    assistantId?: string;
    threadId?: string;
    limit?: number;
    offset?: number;
  }): Promise<Cron[]> {
    const { limit, offset } = pageOf(query);
    const rows = await this.#db.rows<CronRow>("cronSearch", [
      query.tenant,
      query.assistantId ?? null,
      query.threadId ?? null,
      limit,
      offset,
    ]);
    return rows.map(cronFromRow);
  }

  /** Applies the patch in JS (through the codec) under the row lock. */
  async update(tenant: string, cronId: string, patch: CronPatch, now: Date): Promise<Cron> {
    return this.#db.transaction(async (client) => {
      const [row] = await this.#db.rows<CronRow>("cronLock", [tenant, cronId], client);
      if (row === undefined) throw cronNotFound(tenant, cronId);
      // A key present with `undefined` leaves the field as it was (JSON has no undefined).
      const changes = Object.entries(patch).filter(([, value]) => value !== undefined);
      const cron = { ...cronFromRow(row), ...Object.fromEntries(changes) };
      const next = cronToRow({ ...cron, updatedAt: now.toISOString() });
      await this.#db.query("cronPut", valuesOf(next, CRON_FIELDS), client);
      return cronFromRow(next);
    });
  }

  async delete(tenant: string, cronId: string): Promise<boolean> {
    const { rowCount } = await this.#db.query("cronDelete", [tenant, cronId]);
    return (rowCount ?? 0) > 0;
  }

  async due(now: Date, limit: number): Promise<Cron[]> {
    const rows = await this.#db.rows<CronRow>("cronDue", [now.getTime(), limit]);
    return rows.map(cronFromRow);
  }

  async advance(
    tenant: string,
    cronId: string,
    firedAt: string,
    nextRunAt: string | null,
    now: Date,
  ): Promise<boolean> {
    const { rowCount } = await this.#db.query("cronAdvance", [
      tenant,
      cronId,
      ms(firedAt),
      nextRunAt === null ? null : ms(nextRunAt),
      now.getTime(),
    ]);
    return rowCount === 1;
  }
}
