/**
 * Crons through the official SDK: created on a thread or stateless, fired by the scheduler
 * extension running in the server, searched, counted, updated and deleted.
 */
import type { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cronScheduler } from "../src/langgraph/index.ts";
import { eventually, startLangGraphServer } from "./langgraph-fixtures.ts";

let server: Awaited<ReturnType<typeof startLangGraphServer>>;
let client: Client;

beforeAll(async () => {
  server = await startLangGraphServer({ extensions: [cronScheduler({ intervalMs: 50 })] });
  client = await server.client("acme");
});
afterAll(() => server.close());

describe("crons", () => {
  it("fires a thread cron through the scheduler extension", async () => {
    const { thread_id } = await client.threads.create();
    const cron = await client.crons.createForThread(thread_id, "counter", {
      schedule: "* * * * * *",
      input: { n: 1 },
      metadata: { purpose: "tick" },
    });
    expect(cron).toMatchObject({
      thread_id,
      schedule: "* * * * * *",
      enabled: true,
      metadata: { purpose: "tick" },
      payload: { input: { n: 1 } },
      next_run_date: expect.any(String),
    });
    const run = await eventually(async () => {
      const runs = await client.runs.list(thread_id);
      return runs.find((r) => r.status === "success");
    }, "the cron's first run to succeed");
    expect(run.metadata).toMatchObject({ cron_id: cron.cron_id, purpose: "tick" });
    expect((await client.threads.get(thread_id)).values).toEqual({ n: 4 });
    await client.crons.delete(cron.cron_id);
    await expect(client.crons.delete(cron.cron_id)).rejects.toMatchObject({ status: 404 });
  });

  it("creates stateless crons, searches, counts, updates and deletes them", async () => {
    const nightly = await client.crons.create("counter", {
      schedule: "0 3 * * *",
      input: { n: 1 },
    });
    expect(nightly).toMatchObject({ thread_id: null, enabled: true, on_run_completed: "delete" });
    const paused = await client.crons.create("approval", { schedule: "0 4 * * *", enabled: false });
    expect(paused).toMatchObject({ enabled: false, next_run_date: null });
    const byGraph = await client.crons.search({ assistantId: "counter" });
    expect(byGraph.map((c) => c.cron_id)).toEqual([nightly.cron_id]);
    expect(await client.crons.count()).toBe(2);
    const moved = await client.crons.update(nightly.cron_id, {
      schedule: "30 5 * * *",
      enabled: false,
    });
    expect(moved).toMatchObject({ schedule: "30 5 * * *", enabled: false });
    const disabled = await client.crons.search({ enabled: false });
    expect(disabled.map((c) => c.cron_id).sort()).toEqual([nightly.cron_id, paused.cron_id].sort());
    await client.crons.delete(paused.cron_id);
    expect((await client.crons.search()).map((c) => c.cron_id)).toEqual([nightly.cron_id]);
  });

  it("refuses what crons cannot do with a 422", async () => {
    await expect(
      client.crons.create("counter", { schedule: "* * * * *", multitaskStrategy: "reject" }),
    ).rejects.toMatchObject({ status: 422, text: expect.stringContaining("multitask_strategy") });
    await expect(
      client.crons.create("counter", { schedule: "* * * * *", onRunCompleted: "keep" }),
    ).rejects.toMatchObject({ status: 422, text: expect.stringContaining("on_run_completed") });
  });
});
