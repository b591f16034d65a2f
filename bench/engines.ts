/**
 * Loads the two engines behind one shape, and measures what their savers store. Both engines
 * are imported by package name, so Conclave runs from its built `dist` exactly as a user gets
 * it, and the benchmark type-checks before Conclave exports a graph API.
 */
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";
import type { GraphLib } from "./scenarios.ts";

/** The engines under comparison. */
export const ENGINE_NAMES = ["conclave", "langgraph"] as const;
/** One of {@link ENGINE_NAMES}. */
export type EngineName = (typeof ENGINE_NAMES)[number];

/** How the tables and notes print an engine's name. */
export const ENGINE_LABELS: Record<EngineName, string> = {
  conclave: "Conclave",
  langgraph: "LangGraph",
};

const MODULES: Record<EngineName, { graph: string; sqlite: string }> = {
  conclave: { graph: "@conclave/core", sqlite: "@conclave/sqlite" },
  langgraph: {
    graph: "@langchain/langgraph",
    sqlite: "@langchain/langgraph-checkpoint-sqlite",
  },
};

/** An engine's graph API plus, when loaded with it, its SQLite saver factory. */
export interface Engine {
  name: EngineName;
  lib: GraphLib;
  /** `SqliteSaver.fromConnString(file)` of the engine's SQLite package; throws if not loaded. */
  sqliteSaver(file: string): object;
}

const GRAPH_EXPORTS = ["StateGraph", "Annotation", "Send", "START", "END", "MemorySaver"];

async function importModule(specifier: string): Promise<Record<string, unknown>> {
  const mod: unknown = await import(specifier);
  return mod as Record<string, unknown>;
}

/**
 * Imports the graph module of `name`, and its SQLite package when `withSqlite`; rejects with
 * a message naming what is missing when the engine is not (yet) built.
 */
export async function loadEngine(name: EngineName, withSqlite: boolean): Promise<Engine> {
  const graph = await importModule(MODULES[name].graph);
  const missing = GRAPH_EXPORTS.filter((key) => graph[key] === undefined);
  if (missing.length > 0) {
    throw new Error(
      `${MODULES[name].graph} does not export ${missing.join(", ")}; run \`npm run build\``,
    );
  }
  const lib = graph as unknown as GraphLib;
  if (!withSqlite) {
    return {
      name,
      lib,
      sqliteSaver: () => {
        throw new Error("SQLite saver not loaded");
      },
    };
  }
  const sqlite = await importModule(MODULES[name].sqlite);
  const saverClass = sqlite.SqliteSaver as SqliteSaverClass | undefined;
  if (typeof saverClass?.fromConnString !== "function") {
    throw new Error(`${MODULES[name].sqlite} does not export SqliteSaver.fromConnString`);
  }
  return { name, lib, sqliteSaver: (file) => saverClass.fromConnString(file) };
}

interface SqliteSaverClass {
  fromConnString(file: string): object;
}

/**
 * Opens a file with the better-sqlite3 that `@conclave/sqlite` resolves, so the raw floor and
 * the file measurements run the same SQLite build as the Conclave saver.
 */
export function openSqlite(file: string): BetterSqlite3.Database {
  const Database = requireFrom(MODULES.conclave.sqlite)("better-sqlite3") as typeof BetterSqlite3;
  return new Database(file);
}

const requireFrom = (pkg: string) =>
  createRequire(new URL(`../node_modules/${pkg}/package.json`, import.meta.url));

/** The version of better-sqlite3 that an engine's SQLite package resolves. */
export function betterSqliteVersion(engine: EngineName): string {
  try {
    const pkg = requireFrom(MODULES[engine].sqlite)("better-sqlite3/package.json") as {
      version?: string;
    };
    return pkg.version ?? "?";
  } catch {
    return "not installed";
  }
}

/** Bytes a saver reports through Conclave's `stats()`, or undefined when it has none. */
export async function saverStatsBytes(saver: object): Promise<number | undefined> {
  const stats = (saver as { stats?: () => unknown }).stats;
  if (typeof stats !== "function") return undefined;
  const result: unknown = await stats.call(saver);
  const bytes = (result as { bytes?: unknown } | null)?.bytes;
  return typeof bytes === "number" ? bytes : undefined;
}

/**
 * Approximate serialized size of an in-memory saver: byte arrays count their length, strings
 * their UTF-16 length, numbers 8; each object once. The saver's serializer is skipped.
 */
export function walkBytes(root: object): number {
  const seen = new Set<object>();
  const stack: unknown[] = Object.entries(root)
    .filter(([key]) => key !== "serde")
    .map(([, value]) => value);
  let bytes = 0;
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === "string") bytes += value.length;
    else if (typeof value === "number") bytes += 8;
    else if (ArrayBuffer.isView(value)) bytes += value.byteLength;
    else if (value instanceof Map) {
      if (seen.has(value)) continue;
      seen.add(value);
      for (const [k, v] of value) stack.push(k, v);
    } else if (typeof value === "object" && value !== null && !seen.has(value)) {
      seen.add(value);
      for (const [k, v] of Object.entries(value)) stack.push(k, v);
    }
  }
  return bytes;
}

/** Size on disk of a SQLite database after folding its WAL back into the main file. */
export function sqliteFileBytes(file: string): number {
  const db = openSqlite(file);
  try {
    db.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
  const size = (path: string) => (existsSync(path) ? statSync(path).size : 0);
  return size(file) + size(`${file}-wal`);
}

/** `PRAGMA synchronous` of the saver's own connection, when it exposes one as `db`. */
export function saverSynchronous(saver: object): string | undefined {
  const db = (saver as { db?: { pragma?: (q: string, o: object) => unknown } }).db;
  if (typeof db?.pragma !== "function") return undefined;
  const level = db.pragma("synchronous", { simple: true });
  return ["OFF", "NORMAL", "FULL", "EXTRA"][Number(level)] ?? String(level);
}
