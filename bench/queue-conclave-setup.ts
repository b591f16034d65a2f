/**
 * The Conclave side of the queue bench, shared by the cell process and the worker processes:
 * the trivial graph, runtimes over SQLite and PostgreSQL (audited, checkpointed), and the
 * submit request. Everything is imported by package name, so it runs from the built `dist`
 * exactly as a user gets it (`npm run build` first).
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { Annotation, StateGraph } from "@conclave/core";
import { PostgresAuditLog, PostgresPlatformStore } from "@conclave/postgres";
import { Runtime, type SubmitRequest } from "@conclave/runtime";
import { SqliteAuditLog, SqlitePlatformStore } from "@conclave/sqlite";

/** Audit and checkpoint durability of a Conclave row: both "async" (defaults) or both "exit". */
export type Durability = "async" | "exit";

/** The graph id every bench run uses. */
export const GRAPH_ID = "noop";

const State = Annotation.Root({ i: Annotation<number>() });

/**
 * A one-node graph whose node calls `onStart(i)` first thing and returns no update: the
 * engine still runs a full step, and the run is checkpointed and audited like any other.
 */
export function noopGraph(onStart: (i: number) => void) {
  return new StateGraph(State)
    .addNode("noop", (state: { i: number }) => {
      onStart(state.i);
      return {};
    })
    .addEdge("__start__", "noop")
    .compile();
}

/** A runtime with its store, and how to close both. */
export interface BenchRuntime {
  runtime: Runtime;
  close(): Promise<void>;
}

/**
 * An embedded runtime on one SQLite file (WAL, `synchronous=NORMAL`, the store's default),
 * with the audit log on the same connection.
 */
export async function sqliteRuntime(
  dir: string,
  durability: Durability,
  onStart: (i: number) => void,
): Promise<BenchRuntime> {
  const store = SqlitePlatformStore.fromConnString(join(dir, "conclave.db"));
  const log = new SqliteAuditLog(store.db);
  const runtime = await Runtime.create({
    store,
    graphs: { [GRAPH_ID]: noopGraph(onStart) },
    audit: { log, durability },
  });
  return {
    runtime,
    async close() {
      await runtime.close(0);
      await store.close();
    },
  };
}

/**
 * A runtime on PostgreSQL (a pool of `poolSize`); the audit log shares the pool. The store's
 * migrations run here, so call this in the cell before forking workers.
 */
export async function postgresRuntime(
  url: string,
  durability: Durability,
  onStart: (i: number) => void,
  poolSize = 10,
): Promise<BenchRuntime> {
  const store = PostgresPlatformStore.fromConnString(url, { pool: { max: poolSize } });
  await store.setup();
  const log = new PostgresAuditLog(store.pool);
  await log.setup();
  const runtime = await Runtime.create({
    store,
    graphs: { [GRAPH_ID]: noopGraph(onStart) },
    audit: { log, durability },
  });
  return {
    runtime,
    async close() {
      await runtime.close(0);
      await store.close();
    },
  };
}

/** Run `i` on a new thread of its own (created by the enqueue), kept after the run. */
export function submitRequest(i: number, durability: Durability): SubmitRequest {
  return {
    assistant: GRAPH_ID,
    thread: randomUUID(),
    input: { i },
    ...(durability === "exit" ? { durability: "exit" } : {}),
  };
}

/** Calls `onFinish` with the running count each time the runtime ends a run in this process. */
export function countFinishes(runtime: Runtime, onFinish: (count: number) => void): void {
  let count = 0;
  runtime.afterRun(() => onFinish(++count));
}
