/**
 * A pooled connection the server ends while the store holds it between two queries (a restart,
 * pg_terminate_backend) must not crash the process: node-postgres emits "error" on such a
 * client, and the pool listens only to idle ones. Found by the server's database-outage test.
 */
import { type AddressInfo, createServer, type Socket } from "node:net";
import { CONNECT_TIMEOUT_MS, PostgresPlatformStore } from "@conclave/postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";

let db: TestDatabase | undefined;
beforeAll(async () => {
  db = await createTestDatabase("platform_outage");
});
afterAll(async () => {
  await db?.drop();
});

describe("a checked-out connection the server terminates", () => {
  it("fails its holder's next query and is replaced, without an uncaught error", async () => {
    const uncaught: unknown[] = [];
    let wake: (value?: unknown) => void = () => {};
    const record = (error: unknown) => {
      uncaught.push(error);
      wake();
    };
    process.on("uncaughtException", record);
    const store = PostgresPlatformStore.fromConnString(db!.url, { onError: () => {} });
    const admin = new pg.Client({ connectionString: db!.url });
    let held: pg.PoolClient | undefined;
    try {
      await store.setup();
      await admin.connect();
      const client = await store.pool.connect();
      held = client;
      const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      // Not events.once: it would listen for "error" itself, which is what is under test.
      const ended = new Promise((resolve) => {
        wake = resolve;
        client.once("end", resolve);
      });
      await admin.query("SELECT pg_terminate_backend($1)", [rows[0]!.pid]);
      await ended; // the server's "terminating connection" error came first
      expect(uncaught).toEqual([]);
      await expect(client.query("SELECT 1")).rejects.toThrow();
      held = undefined;
      client.release();
      await store.ping(); // on a fresh connection
      expect(store.pool.totalCount).toBe(1);
    } finally {
      process.off("uncaughtException", record);
      held?.release(true);
      await admin.end();
      await store.close();
    }
  });
});

describe("a database host that accepts and never answers", () => {
  it("fails a store's statements after the connect timeout, as a lost connection", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    const url = `postgres://nobody:secret@127.0.0.1:${port}/none`;
    const defaults = PostgresPlatformStore.fromConnString(url);
    const store = PostgresPlatformStore.fromConnString(url, {
      pool: { connectionTimeoutMillis: 300 },
    });
    try {
      expect(defaults.pool.options.connectionTimeoutMillis).toBe(CONNECT_TIMEOUT_MS);
      const failure = await store.pool.query("SELECT 1").catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Error);
      // The message the runtime's isUnavailable turns into 503 + Retry-After.
      expect((failure as Error).message).toMatch(/connection timeout|timeout exceeded/i);
    } finally {
      await store.close();
      await defaults.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
