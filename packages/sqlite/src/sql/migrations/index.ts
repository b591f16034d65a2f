/** The SQLite migrations, in order. Append only. */
import initial from "./0001-initial.ts";

/** A numbered schema change. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every migration this version knows, oldest first. */
export const MIGRATIONS: readonly Migration[] = [{ version: 1, name: "initial", sql: initial }];
