/**
 * Assistants in PostgreSQL. `conclave_assistants` holds the current version of each assistant
 * (so searches read one row per assistant) and `conclave_assistant_versions` every version;
 * each change writes both in one statement or transaction.
 */
import {
  type Assistant,
  type AssistantPatch,
  type AssistantQuery,
  type AssistantRepo,
  type AssistantRow,
  alreadyExists,
  assistantFromRow,
  assistantNotFound,
  assistantToRow,
  type NewAssistant,
  newAssistantRecord,
  pageOf,
} from "@conclave/core";
import { ASSISTANT_FIELDS, valuesOf } from "../sql/platform-columns.ts";
import type { PlatformDb } from "./platform-db.ts";

/** The filter parameters shared by search and count. */
function filters(query: AssistantQuery): unknown[] {
  return [
    query.tenant,
    query.graphId ?? null,
    query.name ?? null,
    query.metadata === undefined ? null : JSON.stringify(query.metadata),
  ];
}

/** The {@link AssistantRepo} of {@link PostgresPlatformStore}. */
export class PostgresAssistants implements AssistantRepo {
  readonly #db: PlatformDb;

  constructor(db: PlatformDb) {
    this.#db = db;
  }

  async create(
    input: NewAssistant,
    now: Date,
    ifExists: "raise" | "do_nothing" = "raise",
  ): Promise<Assistant> {
    const row = assistantToRow(newAssistantRecord(input, now));
    const [result] = await this.#db.rows<{ created: number }>(
      "assistantInsert",
      valuesOf(row, ASSISTANT_FIELDS),
    );
    if (result?.created === 1) return assistantFromRow(row);
    const existing =
      ifExists === "do_nothing" ? await this.get(row.tenant, row.assistantId) : undefined;
    if (existing === undefined) throw alreadyExists("Assistant", row.assistantId);
    return existing;
  }

  async get(tenant: string, assistantId: string): Promise<Assistant | undefined> {
    const [row] = await this.#db.rows<AssistantRow>("assistantGet", [tenant, assistantId]);
    return row === undefined ? undefined : assistantFromRow(row);
  }

  /** Locks the current version, then stores the patched record as the newest version. */
  async update(
    tenant: string,
    assistantId: string,
    patch: AssistantPatch,
    now: Date,
  ): Promise<Assistant> {
    return this.#db.transaction(async (client) => {
      const [row] = await this.#db.rows<AssistantRow & { latest: number | string }>(
        "assistantLock",
        [tenant, assistantId],
        client,
      );
      if (row === undefined) throw assistantNotFound(tenant, assistantId);
      const current = assistantFromRow(row);
      const merged = newAssistantRecord({ ...current, ...patch }, now);
      const next = assistantToRow({
        ...merged,
        version: Number(row.latest) + 1,
        createdAt: current.createdAt,
      });
      await this.#db.query("assistantPut", valuesOf(next, ASSISTANT_FIELDS), client);
      return assistantFromRow(next);
    });
  }

  async delete(tenant: string, assistantId: string): Promise<boolean> {
    const { rowCount } = await this.#db.query("assistantDelete", [tenant, assistantId]);
    return (rowCount ?? 0) > 0;
  }

  /** The current versions matching the query, newest first. */
  async search(query: AssistantQuery): Promise<Assistant[]> {
    const { limit, offset } = pageOf(query);
    const rows = await this.#db.rows<AssistantRow>("assistantSearch", [
      ...filters(query),
      limit,
      offset,
    ]);
    return rows.map(assistantFromRow);
  }

  async count(query: AssistantQuery): Promise<number> {
    const [row] = await this.#db.rows<{ n: number }>("assistantCount", filters(query));
    return row?.n ?? 0;
  }

  async versions(tenant: string, assistantId: string): Promise<Assistant[]> {
    const rows = await this.#db.rows<AssistantRow>("assistantVersions", [tenant, assistantId]);
    if (rows.length === 0) throw assistantNotFound(tenant, assistantId);
    return rows.map(assistantFromRow);
  }

  async setLatest(
    tenant: string,
    assistantId: string,
    version: number,
    now: Date,
  ): Promise<Assistant> {
    const [row] = await this.#db.rows<AssistantRow>("assistantSetLatest", [
      tenant,
      assistantId,
      version,
      now.getTime(),
    ]);
    if (row === undefined) throw assistantNotFound(tenant, `${assistantId}@${version}`);
    return assistantFromRow(row);
  }
}
