/**
 * Wake-ups through LISTEN/NOTIFY across connections, recovery after the server drops every
 * connection, and an unreachable database surfacing as errors rather than crashes.
 */
import { createServer } from "node:net";
import type { WakeEvent } from "@conclave/core";
import { PostgresPlatformStore } from "@conclave/postgres";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { newRun } from "../../../test/contracts/platform-queue.contract.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";

let db: TestDatabase | undefined;
let schemas = 0;
beforeAll(async () => {
  db = await createTestDatabase("platform_wake");
});
afterAll(async () => {
  await db?.drop();
});

const T0 = new Date("2026-11-22T10:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
const LEASE = 30_000;

/** A listening store and a writing store (separate pools) on one fresh schema. */
async function withPair(
  body: (
    listener: PostgresPlatformStore,
    writer: PostgresPlatformStore,
    errors: Error[],
  ) => Promise<void>,
) {
  const schema = `wake_${++schemas}`;
  const errors: Error[] = [];
  const listener = PostgresPlatformStore.fromConnString(db!.url, {
    schema,
    onError: (error) => errors.push(error),
  });
  const writer = PostgresPlatformStore.fromConnString(db!.url, { schema, onError: () => {} });
  try {
    await writer.setup();
    await body(listener, writer, errors);
  } finally {
    await listener.close();
    await writer.close();
  }
}

describe("PostgresPlatformStore wake-ups", () => {
  it("delivers each change's event to another connection, in commit order", () =>
    withPair(async (listener, writer) => {
      const events: WakeEvent[] = [];
      const unsubscribe = await listener.subscribe((event) => events.push(event));
      // Finishes are announced to those who declared they wait for them.
      await listener.watchFinish("*", at(60_000), T0);
      await writer.workers.register(
        { workerId: "w", graphIds: ["agent"], concurrency: 4 },
        T0,
        LEASE,
      );
      await writer.runs.enqueue(newRun("r1", { maxAttempts: 2 }), T0);
      const [first] = await writer.runs.claim({ workerId: "w", limit: 1, now: at(1) });
      await writer.runs.release({ runId: "r1", generation: first!.generation }, null, at(2), at(2));
      const [second] = await writer.runs.claim({ workerId: "w", limit: 1, now: at(3) });
      await writer.runs.cancel("acme", "r1", "rollback", at(4));
      await writer.runs.finish(
        { runId: "r1", generation: second!.generation },
        { status: "cancelled" },
        at(5),
      );
      await writer.runs.retry("acme", "r1", at(6));
      await writer.runs.enqueue(newRun("r2"), at(7));
      await writer.runs.cancel("acme", "r2", "interrupt", at(8));
      const expected: WakeEvent[] = [
        { kind: "run.pending", tenant: "acme", runId: "r1", graphId: "agent" },
        { kind: "run.pending", tenant: "acme", runId: "r1", graphId: "agent" },
        { kind: "run.cancel", tenant: "acme", runId: "r1", action: "rollback" },
        { kind: "run.finished", tenant: "acme", runId: "r1", status: "cancelled" },
        { kind: "run.pending", tenant: "acme", runId: "r1", graphId: "agent" },
        { kind: "run.pending", tenant: "acme", runId: "r2", graphId: "agent" },
        { kind: "run.finished", tenant: "acme", runId: "r2", status: "cancelled" },
      ];
      await expect.poll(() => events.length).toBe(expected.length);
      expect(events).toEqual(expected);
      await unsubscribe();
    }));

  it("keeps schemas apart and stops delivering after unsubscribe", () =>
    withPair(async (listener, writer) => {
      const other = PostgresPlatformStore.fromConnString(db!.url, { schema: `wake_${++schemas}` });
      try {
        await other.setup();
        const events: WakeEvent[] = [];
        const unsubscribe = await listener.subscribe((event) => events.push(event));
        await other.runs.enqueue(newRun("elsewhere"), T0);
        await writer.runs.enqueue(newRun("here"), T0);
        await expect.poll(() => events.map((e) => e.runId)).toEqual(["here"]);
        await unsubscribe();
        await writer.runs.enqueue(newRun("after"), T0);
        // A fresh subscription proves the notification above was sent and not delivered to the old one.
        const later: WakeEvent[] = [];
        const again = await listener.subscribe((event) => later.push(event));
        await writer.runs.enqueue(newRun("later"), T0);
        await expect.poll(() => later.map((e) => e.runId)).toEqual(["later"]);
        expect(events.map((e) => e.runId)).toEqual(["here"]);
        await again();
      } finally {
        await other.close();
      }
    }));

  it("reconnects after the server drops every connection, and the pools recover", () =>
    withPair(async (listener, writer, errors) => {
      const events: WakeEvent[] = [];
      const unsubscribe = await listener.subscribe((event) => events.push(event));
      await listener.ping();
      const { rows } = await writer.pool.query<{ n: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      expect(rows[0]!.n).toBeGreaterThanOrEqual(2);
      await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0));
      // Wake-ups sent while the listener is down are lost; keep enqueueing until one arrives.
      let n = 0;
      await vi.waitFor(
        async () => {
          await writer.runs.enqueue(newRun(`r${++n}`), T0);
          expect(events.length).toBeGreaterThan(0);
        },
        { timeout: 10_000, interval: 20 },
      );
      await vi.waitFor(() => listener.ping());
      expect(await listener.runs.get("acme", "r1")).toMatchObject({ status: "pending" });
      await unsubscribe();
    }));
});

/** A 127.0.0.1 port with nothing listening on it. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

describe("PostgresPlatformStore with the database unavailable", () => {
  it("rejects ping, subscribe and queries with the connection error", async () => {
    const url = `postgres://nobody:none@127.0.0.1:${await closedPort()}/none`;
    const store = PostgresPlatformStore.fromConnString(url);
    try {
      await expect(store.ping()).rejects.toThrow(/ECONNREFUSED|connect/);
      await expect(store.subscribe(() => {})).rejects.toThrow(/ECONNREFUSED|connect/);
      await expect(store.runs.get("acme", "r1")).rejects.toThrow(/ECONNREFUSED|connect/);
    } finally {
      await store.close();
    }
  });
});
