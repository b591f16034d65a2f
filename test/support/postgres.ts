/**
 * One PostgreSQL database per test file, created from a migrated template (so no test file
 * pays for migrations or sees another's rows). The template's name carries a hash of the
 * migrations, so changing a migration makes a new template instead of reusing a stale one.
 */
import { createHash, randomBytes } from "node:crypto";
import { MIGRATIONS, migrate } from "@conclave/postgres";
import pg from "pg";
import { inject } from "vitest";

/** A database made for one test file. */
export interface TestDatabase {
  /** Connection URL of the new database. */
  url: string;
  name: string;
  /** Drops the database, closing any connection still open to it. */
  drop: () => Promise<void>;
}

const OBJECT_IN_USE = "55006";
const DUPLICATE_DATABASE = "42P04";
const TEMPLATE_LOCK = 0x636e7470;

/**
 * The admin URL from the global setup.
 * @throws Error with the global setup's explanation when PostgreSQL is unavailable.
 */
export function adminUrl(): string {
  const error = inject("postgresError");
  if (error) throw new Error(error);
  return inject("postgresUrl");
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function ensureTemplate(): Promise<string> {
  const digest = createHash("sha256");
  for (const m of MIGRATIONS) digest.update(`${m.version}\n${m.sql}\n`);
  const name = `conclave_tpl_${digest.digest("hex").slice(0, 16)}`;
  await withAdmin(async (admin) => {
    // Session lock: test files start in parallel, and only one may build the template.
    await admin.query("SELECT pg_advisory_lock($1)", [TEMPLATE_LOCK]);
    const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (rowCount === 0) {
      await admin.query(`CREATE DATABASE "${name}_build"`).catch(ignore(DUPLICATE_DATABASE));
      const pool = new pg.Pool({ connectionString: withDatabase(adminUrl(), `${name}_build`) });
      await migrate(pool, "public").finally(() => pool.end());
      await admin.query(`ALTER DATABASE "${name}_build" RENAME TO "${name}"`);
    }
    await admin.query("SELECT pg_advisory_unlock($1)", [TEMPLATE_LOCK]);
  });
  return name;
}

function ignore(code: string) {
  return (error: unknown) => {
    if ((error as { code?: string }).code !== code) throw error;
  };
}

/** Creates a fresh, migrated database (schema "public") for one test file. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const template = await ensureTemplate();
  const name = `test_${label.replace(/\W/g, "_").slice(0, 30)}_${randomBytes(4).toString("hex")}`;
  await withAdmin(async (admin) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        return;
      } catch (error) {
        // Another file copying the same template at this instant: try again (bounded).
        if ((error as { code?: string }).code !== OBJECT_IN_USE || attempt >= 50) throw error;
      }
    }
  });
  return { url: withDatabase(adminUrl(), name), name, drop: () => dropChecked(name) };
}

/**
 * Leak guard: drops the database, and fails when a connection to it was still open (a saver
 * or pool the test forgot to end). A backend can take a moment to exit after its client said
 * goodbye, so this waits for the count to reach zero, up to a bound, before calling it a leak.
 */
async function dropChecked(name: string): Promise<void> {
  await withAdmin(async (admin) => {
    const count = async () =>
      Number(
        (await admin.query("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1", [name]))
          .rows[0].n,
      );
    let open = await count();
    for (let polls = 0; open > 0 && polls < 100; polls++) {
      await admin.query("SELECT pg_sleep(0.05)");
      open = await count();
    }
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    if (open > 0) {
      throw new Error(
        `${open} connection(s) to test database ${name} were still open after the tests: end ` +
          "every saver (saver.end()) and pool the test created.",
      );
    }
  });
}
