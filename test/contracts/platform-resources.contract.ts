/**
 * The contract of the platform store's resources: assistants (versioned), threads and crons,
 * each isolated by tenant. Every test gets a fresh, empty store from the factory.
 */
import type { PlatformStore } from "@conclave/core";
import { describe, expect, it } from "vitest";

/** A store under test and how to dispose of it. */
export interface PlatformHandle {
  store: PlatformStore;
  cleanup: () => Promise<void>;
}

export type MakePlatform = () => Promise<PlatformHandle>;

export const T0 = new Date("2026-11-22T10:00:00.000Z");
export const at = (ms: number) => new Date(T0.getTime() + ms);

/** Runs `body` with a fresh store and always cleans up. */
export async function withStore(make: MakePlatform, body: (store: PlatformStore) => Promise<void>) {
  const { store, cleanup } = await make();
  try {
    await body(store);
  } finally {
    await cleanup();
  }
}

export function platformResourcesContract(name: string, make: MakePlatform): void {
  describe(`${name}: assistants`, () => {
    it("creates, reads and versions an assistant", () =>
      withStore(make, async (store) => {
        const created = await store.assistants.create(
          {
            tenant: "acme",
            assistantId: "a1",
            graphId: "agent",
            config: { k: 1 },
            metadata: { team: "x" },
          },
          T0,
        );
        expect(created).toMatchObject({
          version: 1,
          name: "agent",
          config: { k: 1 },
          description: null,
        });
        expect(await store.assistants.get("acme", "a1")).toEqual(created);
        const updated = await store.assistants.update("acme", "a1", { config: { k: 2 } }, at(1000));
        expect(updated).toMatchObject({ version: 2, config: { k: 2 }, metadata: { team: "x" } });
        expect(updated.createdAt).toBe(created.createdAt);
        const versions = await store.assistants.versions("acme", "a1");
        expect(versions.map((v) => [v.version, v.config.k])).toEqual([
          [2, 2],
          [1, 1],
        ]);
        const back = await store.assistants.setLatest("acme", "a1", 1, at(2000));
        expect(back).toMatchObject({ version: 1, config: { k: 1 } });
        expect(await store.assistants.get("acme", "a1")).toMatchObject({ version: 1 });
      }));

    it("refuses a duplicate id unless asked to reuse it", () =>
      withStore(make, async (store) => {
        await store.assistants.create({ tenant: "acme", assistantId: "a1", graphId: "g" }, T0);
        await expect(
          store.assistants.create({ tenant: "acme", assistantId: "a1", graphId: "other" }, T0),
        ).rejects.toMatchObject({ code: "ASSISTANT_EXISTS" });
        const same = await store.assistants.create(
          { tenant: "acme", assistantId: "a1", graphId: "other" },
          T0,
          "do_nothing",
        );
        expect(same.graphId).toBe("g");
      }));

    it("searches by graph and metadata, counts, pages and deletes", () =>
      withStore(make, async (store) => {
        for (let i = 0; i < 5; i++) {
          await store.assistants.create(
            {
              tenant: "acme",
              assistantId: `a${i}`,
              graphId: i % 2 ? "odd" : "even",
              metadata: { i },
            },
            at(i),
          );
        }
        expect((await store.assistants.search({ tenant: "acme", graphId: "even" })).length).toBe(3);
        expect(await store.assistants.count({ tenant: "acme", graphId: "odd" })).toBe(2);
        const [hit] = await store.assistants.search({ tenant: "acme", metadata: { i: 3 } });
        expect(hit?.assistantId).toBe("a3");
        const page = await store.assistants.search({ tenant: "acme", limit: 2, offset: 1 });
        expect(page.length).toBe(2);
        expect(await store.assistants.delete("acme", "a3")).toBe(true);
        expect(await store.assistants.delete("acme", "a3")).toBe(false);
        expect(await store.assistants.get("acme", "a3")).toBeUndefined();
      }));

    it("keeps tenants apart", () =>
      withStore(make, async (store) => {
        await store.assistants.create({ tenant: "acme", assistantId: "a1", graphId: "g" }, T0);
        expect(await store.assistants.get("globex", "a1")).toBeUndefined();
        expect(await store.assistants.search({ tenant: "globex" })).toEqual([]);
        await expect(
          store.assistants.update("globex", "a1", { name: "x" }, T0),
        ).rejects.toMatchObject({
          code: "ASSISTANT_NOT_FOUND",
        });
        expect(await store.assistants.delete("globex", "a1")).toBe(false);
        // The same id in another tenant is a different assistant.
        await store.assistants.create({ tenant: "globex", assistantId: "a1", graphId: "h" }, T0);
        expect((await store.assistants.get("acme", "a1"))?.graphId).toBe("g");
      }));

    it("rejects bad input with what was wrong", () =>
      withStore(make, async (store) => {
        await expect(
          store.assistants.create({ tenant: "acme", assistantId: "", graphId: "g" }, T0),
        ).rejects.toThrow(/assistantId must be a non-empty string/);
        await expect(
          store.assistants.create(
            { tenant: "acme", assistantId: "a", graphId: "g", config: [] as never },
            T0,
          ),
        ).rejects.toThrow(/config must be a JSON object/);
      }));
  });

  describe(`${name}: threads`, () => {
    it("creates, merges metadata, caches state and searches by status", () =>
      withStore(make, async (store) => {
        const thread = await store.threads.create(
          { tenant: "acme", threadId: "t1", metadata: { a: 1 } },
          T0,
        );
        expect(thread).toMatchObject({
          status: "idle",
          values: null,
          interrupts: {},
          metadata: { a: 1 },
        });
        const merged = await store.threads.update("acme", "t1", { b: 2 }, at(5));
        expect(merged.metadata).toEqual({ a: 1, b: 2 });
        await store.threads.setState(
          "acme",
          "t1",
          { values: { n: 3 }, interrupts: { x: [1] } },
          at(6),
        );
        expect(await store.threads.get("acme", "t1")).toMatchObject({
          values: { n: 3 },
          interrupts: { x: [1] },
          status: "interrupted",
        });
        await store.threads.create({ tenant: "acme", threadId: "t2" }, T0);
        expect(
          (await store.threads.search({ tenant: "acme", status: "idle" })).map((t) => t.threadId),
        ).toEqual(["t2"]);
        expect(await store.threads.count({ tenant: "acme", metadata: { b: 2 } })).toBe(1);
      }));

    it("keeps thread ids unique across tenants (checkpoints are keyed by id)", () =>
      withStore(make, async (store) => {
        await store.threads.create({ tenant: "acme", threadId: "shared" }, T0);
        await expect(
          store.threads.create({ tenant: "globex", threadId: "shared" }, T0, "do_nothing"),
        ).rejects.toMatchObject({ code: "THREAD_EXISTS" });
        const run = {
          tenant: "globex",
          runId: "r-globex",
          threadId: "shared",
          ifNotExists: "create" as const,
          assistantId: "a1",
          graphId: "agent",
          assistantVersion: 1,
          kwargs: {},
        };
        await expect(store.runs.enqueue(run, T0)).rejects.toMatchObject({ code: "THREAD_EXISTS" });
        expect(await store.runs.get("globex", "r-globex")).toBeUndefined();
        expect(await store.threads.get("globex", "shared")).toBeUndefined();
        expect((await store.threads.get("acme", "shared"))?.status).toBe("idle");
        // Once its owner deletes it, the id is free again.
        await store.threads.delete("acme", "shared");
        await store.threads.create({ tenant: "globex", threadId: "shared" }, T0);
      }));

    it("refuses duplicates, isolates tenants and deletes", () =>
      withStore(make, async (store) => {
        await store.threads.create({ tenant: "acme", threadId: "t1" }, T0);
        await expect(
          store.threads.create({ tenant: "acme", threadId: "t1" }, T0),
        ).rejects.toMatchObject({
          code: "THREAD_EXISTS",
        });
        expect(await store.threads.get("globex", "t1")).toBeUndefined();
        await expect(store.threads.update("globex", "t1", {}, T0)).rejects.toMatchObject({
          code: "THREAD_NOT_FOUND",
        });
        expect(await store.threads.delete("globex", "t1")).toBe(false);
        expect(await store.threads.delete("acme", "t1")).toBe(true);
        expect(await store.threads.get("acme", "t1")).toBeUndefined();
      }));
  });

  describe(`${name}: crons`, () => {
    const cron = (cronId: string, nextRunAt: Date, tenant = "acme") => ({
      tenant,
      cronId,
      assistantId: "a1",
      threadId: null,
      schedule: "*/5 * * * *",
      timeZone: "Europe/Paris",
      kwargs: { input: { q: cronId } },
      metadata: {},
      nextRunAt: nextRunAt.toISOString(),
      endTime: null,
    });

    it("stores, lists due crons and advances each firing once", () =>
      withStore(make, async (store) => {
        await store.crons.create(cron("c1", at(1000)), T0);
        await store.crons.create(cron("c2", at(5000)), T0);
        await store.crons.create(cron("c3", at(500), "globex"), T0);
        expect((await store.crons.due(at(1000), 10)).map((c) => c.cronId)).toEqual(["c3", "c1"]);
        const fired = at(1000).toISOString();
        const next = at(301_000).toISOString();
        const wins = await Promise.all([
          store.crons.advance("acme", "c1", fired, next, at(1001)),
          store.crons.advance("acme", "c1", fired, next, at(1001)),
        ]);
        expect(wins.filter(Boolean).length).toBe(1);
        const c1 = await store.crons.get("acme", "c1");
        expect(c1).toMatchObject({
          nextRunAt: next,
          lastRunAt: fired,
          kwargs: { input: { q: "c1" } },
        });
        await store.crons.update("acme", "c2", { enabled: false }, at(2));
        expect((await store.crons.due(at(10_000), 10)).map((c) => c.cronId)).toEqual(["c3"]);
        expect(await store.crons.get("globex", "c1")).toBeUndefined();
        expect((await store.crons.search({ tenant: "acme" })).length).toBe(2);
        expect(await store.crons.delete("acme", "c2")).toBe(true);
        expect(await store.crons.delete("acme", "c2")).toBe(false);
      }));

    it("disables a cron advanced to no next firing", () =>
      withStore(make, async (store) => {
        await store.crons.create(cron("c1", at(0)), T0);
        expect(await store.crons.advance("acme", "c1", at(0).toISOString(), null, at(1))).toBe(
          true,
        );
        expect(await store.crons.get("acme", "c1")).toMatchObject({ enabled: false });
        expect(await store.crons.due(at(1_000_000), 10)).toEqual([]);
      }));
  });
}
