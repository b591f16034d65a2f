/**
 * The contract of `NewRun.assistantCheck`: a run built from a remembered assistant is enqueued
 * only while the name it was submitted under still resolves to that assistant, exactly; else
 * the enqueue stores nothing and fails with ASSISTANT_CHANGED. Every enqueue path runs it: the
 * plain enqueue, the strategy and idempotency paths, and both shapes of `enqueueMany`.
 */
import type { Assistant, NewRun, PlatformStore } from "@conclave/core";
import { describe, expect, it } from "vitest";
import { newRun } from "./platform-queue.contract.ts";
import { at, type MakePlatform, T0, withStore } from "./platform-resources.contract.ts";

/** A run built from `assistant` as a request naming `name` saw it. */
function checkedRun(runId: string, assistant: Assistant, name: string, over: Partial<NewRun> = {}) {
  return newRun(runId, {
    assistantId: assistant.assistantId,
    graphId: assistant.graphId,
    assistantVersion: assistant.version,
    assistantCheck: {
      name,
      config: JSON.stringify(assistant.config),
      context: assistant.context == null ? null : JSON.stringify(assistant.context),
    },
    ...over,
  });
}

async function stored(store: PlatformStore, ...runIds: string[]) {
  const found = await Promise.all(runIds.map((id) => store.runs.get("acme", id)));
  return found.filter((run) => run !== undefined).map((run) => run.runId);
}

const makeA1 = (store: PlatformStore, config = { k: 1 }, now = T0) =>
  store.assistants.create({ tenant: "acme", assistantId: "a1", graphId: "agent", config }, now);

export function platformAssistantCheckContract(name: string, make: MakePlatform): void {
  describe(`${name}: assistant checks on enqueue`, () => {
    it("enqueues while the assistant is as remembered, and refuses once it changed", () =>
      withStore(make, async (store) => {
        const seen = await makeA1(store);
        const { run } = await store.runs.enqueue(checkedRun("r1", seen, "a1"), T0);
        expect(run).toMatchObject({ assistantId: "a1", assistantVersion: 1 });
        await store.assistants.update("acme", "a1", { config: { k: 2 } }, at(1));
        await expect(store.runs.enqueue(checkedRun("r2", seen, "a1"), at(2))).rejects.toMatchObject(
          { code: "ASSISTANT_CHANGED", message: expect.stringContaining('"a1"') },
        );
        expect(await stored(store, "r1", "r2")).toEqual(["r1"]);
        expect(await store.threads.get("acme", "thread-r2")).toBeUndefined();
        // Set back to version 1, the remembered assistant is current again.
        await store.assistants.setLatest("acme", "a1", 1, at(3));
        await store.runs.enqueue(checkedRun("r3", seen, "a1"), at(4));
        expect(await stored(store, "r3")).toEqual(["r3"]);
      }));

    it("tells an assistant made again under the same id and version from the remembered one", () =>
      withStore(make, async (store) => {
        const seen = await makeA1(store);
        await store.assistants.delete("acme", "a1");
        await expect(store.runs.enqueue(checkedRun("r1", seen, "a1"), T0)).rejects.toMatchObject({
          code: "ASSISTANT_CHANGED",
        });
        const again = await makeA1(store, { k: 9 });
        expect(again.version).toBe(seen.version);
        await expect(store.runs.enqueue(checkedRun("r2", seen, "a1"), T0)).rejects.toMatchObject({
          code: "ASSISTANT_CHANGED",
        });
        expect(await stored(store, "r1", "r2")).toEqual([]);
      }));

    it("refuses a graph-id resolution once an assistant takes that id", () =>
      withStore(make, async (store) => {
        const byDefault = await store.assistants.create(
          { tenant: "acme", assistantId: "default-agent", graphId: "agent" },
          T0,
        );
        await store.runs.enqueue(checkedRun("r1", byDefault, "agent"), T0);
        await store.assistants.create(
          { tenant: "acme", assistantId: "agent", graphId: "agent" },
          T0,
        );
        await expect(
          store.runs.enqueue(checkedRun("r2", byDefault, "agent"), at(1)),
        ).rejects.toMatchObject({ code: "ASSISTANT_CHANGED" });
        expect(await stored(store, "r1", "r2")).toEqual(["r1"]);
      }));

    it("checks on the strategy and idempotency paths too", () =>
      withStore(make, async (store) => {
        const seen = await makeA1(store);
        await store.runs.enqueue(checkedRun("r1", seen, "a1", { threadId: "t" }), T0);
        await store.assistants.update("acme", "a1", { config: { k: 2 } }, at(1));
        const paths: Partial<NewRun>[] = [
          { threadId: "t", multitaskStrategy: "reject" },
          { threadId: "t", multitaskStrategy: "interrupt" },
          { idempotencyKey: "key" },
        ];
        for (const [i, over] of paths.entries()) {
          await expect(
            store.runs.enqueue(checkedRun(`s${i}`, seen, "a1", over), at(2)),
          ).rejects.toMatchObject({ code: "ASSISTANT_CHANGED" });
        }
        expect(await stored(store, "r1", "s0", "s1", "s2")).toEqual(["r1"]);
        expect((await store.runs.get("acme", "r1"))?.status).toBe("pending");
      }));

    it("enqueues no run of a batch in which one check fails, in either batch shape", () =>
      withStore(make, async (store) => {
        const seen = await makeA1(store);
        const other = await store.assistants.create(
          { tenant: "acme", assistantId: "a2", graphId: "agent" },
          T0,
        );
        await store.assistants.update("acme", "a1", { config: { k: 2 } }, at(1));
        const fresh = [checkedRun("b1", other, "a2"), checkedRun("b2", seen, "a1")];
        await expect(store.runs.enqueueMany(fresh, at(2))).rejects.toMatchObject({
          code: "ASSISTANT_CHANGED",
          message: expect.stringContaining('"a1"'),
        });
        const withKey = [
          checkedRun("c1", other, "a2", { idempotencyKey: "k1" }),
          checkedRun("c2", seen, "a1"),
        ];
        await expect(store.runs.enqueueMany(withKey, at(3))).rejects.toMatchObject({
          code: "ASSISTANT_CHANGED",
        });
        expect(await stored(store, "b1", "b2", "c1", "c2")).toEqual([]);
        const current = (await store.assistants.get("acme", "a1"))!;
        await store.runs.enqueueMany(
          [checkedRun("d1", other, "a2"), checkedRun("d2", current, "a1")],
          at(4),
        );
        expect(await stored(store, "d1", "d2")).toEqual(["d1", "d2"]);
      }));
  });
}
