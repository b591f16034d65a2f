/**
 * A pooled connection the server ends while the store holds it between two queries (a restart,
 * pg_terminate_backend) must not crash the process: node-postgres emits "error" on such a
 * client, and the pool listens only to idle ones. Found by the server's database-outage test.
 */
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import {
  CONNECT_TIMEOUT_MS,
  PostgresBudgetStore,
  PostgresPlatformStore,
  QUERY_TIMEOUT_MS,
} from "@conclave/postgres";
import { isUnavailable } from "@conclave/runtime";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { budget } from "../../../test/contracts/budget-store.contract.ts";
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

/**
 * A TCP proxy to the test database that can freeze: it keeps every connection open but stops
 * passing bytes, as a frozen server or a dropped network path does.
 */
async function freezableProxy(target: string) {
  const { hostname, port } = new URL(target);
  const pairs: Socket[][] = [];
  let frozen = false;
  const proxy = createServer((inbound) => {
    const outbound = connect(Number(port), hostname);
    pairs.push([inbound, outbound]);
    inbound.on("data", (chunk) => frozen || outbound.write(chunk));
    outbound.on("data", (chunk) => frozen || inbound.write(chunk));
    for (const [a, b] of [
      [inbound, outbound],
      [outbound, inbound],
    ] as const) {
      a.on("error", () => b.destroy());
      a.on("close", () => b.destroy());
    }
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const url = new URL(target);
  url.port = String((proxy.address() as AddressInfo).port);
  return {
    url: url.toString(),
    freeze: () => {
      frozen = true;
    },
    thaw: () => {
      frozen = false;
    },
    close: async () => {
      for (const pair of pairs) for (const socket of pair) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    },
  };
}

describe("a database that stops answering mid-session", () => {
  const fast = { query_timeout: 300, connectionTimeoutMillis: 300 };

  it("fails statements and transactions after the query timeout, as unavailable", async () => {
    const proxy = await freezableProxy(db!.url);
    const defaults = PostgresPlatformStore.fromConnString(proxy.url);
    const store = PostgresPlatformStore.fromConnString(proxy.url, {
      pool: fast,
      onError: () => {},
    });
    const register = () =>
      store.workers.register({ workerId: "w", graphIds: ["g"], concurrency: 1 }, new Date(), 1000);
    try {
      expect(defaults.pool.options.query_timeout).toBe(QUERY_TIMEOUT_MS);
      await store.setup();
      await store.ping();
      proxy.freeze();
      // On the pooled connection: its statement gets no answer.
      const stuck = await register().catch((error: unknown) => error);
      // On a new connection: it cannot even connect.
      const unreachable = await store.ping().catch((error: unknown) => error);
      for (const failure of [stuck, unreachable]) {
        expect(failure).toBeInstanceOf(Error);
        expect(isUnavailable(failure)).toBe(true);
      }
      expect((stuck as Error).message).toBe("Query read timeout");
      expect(store.pool.totalCount).toBe(0);
      proxy.thaw();
      await register();
    } finally {
      await store.close();
      await defaults.close();
      await proxy.close();
    }
  });

  it("drops a connection whose statement timed out instead of pooling it", async () => {
    const proxy = await freezableProxy(db!.url);
    const budgets = PostgresBudgetStore.fromConnString(proxy.url, { pool: fast });
    const reserve = (reservationId: string) =>
      budgets.reserve({ reservationId, budgetIds: ["b"], amountPico: 1n, now: new Date() });
    try {
      await budgets.setBudget(budget("b", 10n));
      proxy.freeze();
      await expect(reserve("r1")).rejects.toThrow("Query read timeout");
      // Pooled, the stuck connection would fail every later statement given to it.
      expect(budgets.pool.totalCount).toBe(0);
      proxy.thaw();
      expect(await reserve("r2")).toEqual({ ok: true });
    } finally {
      await budgets.end();
      await proxy.close();
    }
  });
});
