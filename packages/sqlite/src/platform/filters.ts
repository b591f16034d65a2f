/**
 * Builds the WHERE clause of a search from the filters a query sets, so each shape of query
 * gets its own SQL text (and its own cached statement) and SQLite can use the index that fits,
 * instead of one statement full of `(@x IS NULL OR col = @x)` that defeats the planner.
 */
import { type JsonObject, pageOf } from "@conclave/core";

/** A WHERE clause under construction, with its named parameters. */
export interface Where {
  clauses: string[];
  params: Record<string, unknown>;
}

/** Starts a clause that keeps to one tenant: every search is tenant-scoped. */
export function whereTenant(tenant: string, column = "tenant"): Where {
  return { clauses: [`${column} = @tenant`], params: { tenant } };
}

/** Adds `column = value` when the query sets `value`. */
export function whereEqual(where: Where, column: string, name: string, value: unknown): Where {
  if (value === undefined) return where;
  where.clauses.push(`${column} = @${name}`);
  where.params[name] = value;
  return where;
}

/** Adds `column IN (values)` when the query sets values (bound as one JSON array). */
export function whereIn(where: Where, column: string, name: string, values?: unknown[]): Where {
  if (values === undefined) return where;
  where.clauses.push(`${column} IN (SELECT value FROM json_each(@${name}))`);
  where.params[name] = JSON.stringify(values);
  return where;
}

/**
 * Adds core's `metadataMatches` rule as SQL: each filter key's value, as JSON text, must equal
 * the stored one. The stored metadata is `JSON.stringify` output and SQLite's `->` returns a
 * member's JSON text as stored, so both sides are JSON.stringify of the same value. A key whose
 * filter value is undefined matches only metadata without that key, as in the rule.
 */
export function whereMetadata(where: Where, column: string, filter?: JsonObject): Where {
  if (filter === undefined) return where;
  let i = 0;
  for (const [key, value] of Object.entries(filter)) {
    // The path quotes the key as JSON, so dots, brackets and quotes in keys stay literal.
    where.clauses.push(`(${column} -> @mk${i}) IS @mv${i}`);
    where.params[`mk${i}`] = `$.${JSON.stringify(key)}`;
    where.params[`mv${i}`] = value === undefined ? null : JSON.stringify(value);
    i++;
  }
  return where;
}

/** The clause's SQL, after `WHERE`. */
export function whereSql(where: Where): string {
  return where.clauses.join(" AND ");
}

/** Adds the validated page (default 10, at most 1000) as `@limit` and `@offset`. */
export function withPage(
  where: Where,
  query: { limit?: number; offset?: number },
): Record<string, unknown> {
  const { limit, offset } = pageOf(query);
  return { ...where.params, limit, offset };
}
