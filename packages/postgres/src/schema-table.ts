/**
 * One table of a Conclave schema on a pool: its quoted name, and queries that run the schema's
 * migrations once before the first one. For the small stores (API keys, settings).
 */
import type pg from "pg";
import { migrate, quoteSchema } from "./migrate.ts";

export class SchemaTable {
  readonly pool: pg.Pool;
  readonly schema: string;
  /** `"schema".table`, ready for SQL. */
  readonly name: string;
  #setup: Promise<void> | undefined;

  constructor(pool: pg.Pool, table: string, schema = "public") {
    this.pool = pool;
    this.schema = schema;
    this.name = `${quoteSchema(schema)}.${table}`;
  }

  /** Runs the migrations once (later calls share the first). */
  setup(): Promise<void> {
    this.#setup ??= migrate(this.pool, this.schema);
    return this.#setup;
  }

  async query<R extends pg.QueryResultRow>(
    sql: string,
    params: unknown[],
  ): Promise<pg.QueryResult<R>> {
    await this.setup();
    return this.pool.query<R>(sql, params);
  }
}
