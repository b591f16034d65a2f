/**
 * Versioned assistants on SQLite. `conclave_assistants` holds the current version of each
 * assistant (what get and search read); `conclave_assistant_versions` holds every version, so
 * `setLatest` can make an earlier one current again and runs can name the version they used.
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
} from "@conclave/core";
import { ASSISTANT_COLUMNS, ASSISTANT_SQL } from "../sql/platform-statements.ts";
import {
  type Where,
  whereEqual,
  whereMetadata,
  whereSql,
  whereTenant,
  withPage,
} from "./filters.ts";
import type { PlatformDb } from "./platform-db.ts";

/** The {@link AssistantRepo} of the SQLite platform store. */
export class SqliteAssistants implements AssistantRepo {
  readonly #db: PlatformDb;

  constructor(db: PlatformDb) {
    this.#db = db;
  }

  async create(
    input: NewAssistant,
    now: Date,
    ifExists: "raise" | "do_nothing" = "raise",
  ): Promise<Assistant> {
    const record = newAssistantRecord(input, now);
    return this.#db.write(() => {
      const existing = this.#current(record.tenant, record.assistantId);
      if (existing !== undefined) {
        if (ifExists === "do_nothing") return existing;
        throw alreadyExists("Assistant", record.assistantId);
      }
      const row = assistantToRow(record);
      this.#db.stmt(ASSISTANT_SQL.insert).run(row);
      this.#db.stmt(ASSISTANT_SQL.insertVersion).run(row);
      return record;
    });
  }

  async get(tenant: string, assistantId: string): Promise<Assistant | undefined> {
    return this.#current(tenant, assistantId);
  }

  async update(
    tenant: string,
    assistantId: string,
    patch: AssistantPatch,
    now: Date,
  ): Promise<Assistant> {
    return this.#db.write(() => {
      const current = this.#current(tenant, assistantId);
      if (current === undefined) throw assistantNotFound(tenant, assistantId);
      const { version: latest } = this.#db
        .stmt(ASSISTANT_SQL.latestVersion)
        .get(tenant, assistantId) as { version: number };
      // Validate the merged record as a new assistant, so a patch obeys the create rules.
      const merged = newAssistantRecord({ ...current, ...patch }, now);
      const next: Assistant = { ...merged, version: latest + 1, createdAt: current.createdAt };
      const row = assistantToRow(next);
      this.#db.stmt(ASSISTANT_SQL.insertVersion).run(row);
      this.#db.stmt(ASSISTANT_SQL.setCurrent).run(row);
      return next;
    });
  }

  async delete(tenant: string, assistantId: string): Promise<boolean> {
    return this.#db.write(() => {
      const { changes } = this.#db.stmt(ASSISTANT_SQL.delete).run(tenant, assistantId);
      this.#db.stmt(ASSISTANT_SQL.deleteVersions).run(tenant, assistantId);
      return changes > 0;
    });
  }

  async search(query: AssistantQuery): Promise<Assistant[]> {
    const where = filterOf(query);
    const sql = `SELECT ${ASSISTANT_COLUMNS} FROM conclave_assistants WHERE ${whereSql(where)}
      ORDER BY created_at DESC, rowid DESC LIMIT @limit OFFSET @offset`;
    const rows = this.#db.stmt(sql).all(withPage(where, query)) as AssistantRow[];
    return rows.map(assistantFromRow);
  }

  async count(query: AssistantQuery): Promise<number> {
    const where = filterOf(query);
    const sql = `SELECT COUNT(*) AS n FROM conclave_assistants WHERE ${whereSql(where)}`;
    return (this.#db.stmt(sql).get(where.params) as { n: number }).n;
  }

  async versions(tenant: string, assistantId: string): Promise<Assistant[]> {
    const rows = this.#db.stmt(ASSISTANT_SQL.versions).all(tenant, assistantId) as AssistantRow[];
    if (rows.length === 0) throw assistantNotFound(tenant, assistantId);
    return rows.map(assistantFromRow);
  }

  async setLatest(
    tenant: string,
    assistantId: string,
    version: number,
    now: Date,
  ): Promise<Assistant> {
    return this.#db.write(() => {
      const row = this.#db.stmt(ASSISTANT_SQL.getVersion).get(tenant, assistantId, version) as
        | AssistantRow
        | undefined;
      if (row === undefined) throw assistantNotFound(tenant, `${assistantId}@${version}`);
      const chosen: Assistant = { ...assistantFromRow(row), updatedAt: now.toISOString() };
      const updated = assistantToRow(chosen);
      this.#db
        .stmt(ASSISTANT_SQL.touchVersion)
        .run(updated.updatedAt, tenant, assistantId, version);
      this.#db.stmt(ASSISTANT_SQL.setCurrent).run(updated);
      return chosen;
    });
  }

  #current(tenant: string, assistantId: string): Assistant | undefined {
    const row = this.#db.stmt(ASSISTANT_SQL.get).get(tenant, assistantId) as
      | AssistantRow
      | undefined;
    return row === undefined ? undefined : assistantFromRow(row);
  }
}

function filterOf(query: AssistantQuery): Where {
  const where = whereTenant(query.tenant);
  whereEqual(where, "graph_id", "graphId", query.graphId);
  whereEqual(where, "name", "name", query.name);
  return whereMetadata(where, "metadata", query.metadata);
}
