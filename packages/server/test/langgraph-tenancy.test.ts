/**
 * Isolation, scopes and validation of the LangGraph API, through the official SDK: another
 * tenant's assistants, threads, runs and crons are 404s and absent from searches; read-only
 * keys cannot write; bad requests are 422s that name the field; unknown fields are ignored.
 */
import type { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, startLangGraphServer } from "./langgraph-fixtures.ts";

let server: Awaited<ReturnType<typeof startLangGraphServer>>;
let acme: Client;
let globex: Client;
const owned = { assistant: "", thread: "", run: "", cron: "" };

beforeAll(async () => {
  server = await startLangGraphServer();
  acme = await server.client("acme");
  globex = await server.client("globex");
  owned.assistant = (
    await acme.assistants.create({ graphId: "counter", name: "secret" })
  ).assistant_id;
  owned.thread = (await acme.threads.create({ metadata: { owner: "acme" } })).thread_id;
  const run = await acme.runs.create(owned.thread, owned.assistant, { input: { n: 1 } });
  owned.run = run.run_id;
  await acme.runs.join(owned.thread, owned.run);
  owned.cron = (
    await acme.crons.createForThread(owned.thread, "counter", { schedule: "0 0 1 1 *" })
  ).cron_id;
});
afterAll(() => server.close());

const notFound = { status: 404 };

describe("tenant isolation", () => {
  it("hides another tenant's thread, its state and its runs", async () => {
    const { thread, run } = owned;
    await expect(globex.threads.get(thread)).rejects.toMatchObject(notFound);
    await expect(globex.threads.getState(thread)).rejects.toMatchObject(notFound);
    await expect(globex.threads.getHistory(thread)).rejects.toMatchObject(notFound);
    await expect(globex.threads.updateState(thread, { values: { n: 0 } })).rejects.toMatchObject(
      notFound,
    );
    await expect(globex.threads.update(thread, { metadata: { x: 1 } })).rejects.toMatchObject(
      notFound,
    );
    await expect(globex.threads.delete(thread)).rejects.toMatchObject(notFound);
    await expect(globex.runs.list(thread)).rejects.toMatchObject(notFound);
    await expect(globex.runs.get(thread, run)).rejects.toMatchObject(notFound);
    await expect(globex.runs.join(thread, run)).rejects.toMatchObject(notFound);
    await expect(collect(globex.runs.joinStream(thread, run))).rejects.toMatchObject(notFound);
    await expect(collect(globex.runs.joinStream(null, run))).rejects.toMatchObject(notFound);
    await expect(globex.runs.cancel(thread, run)).rejects.toMatchObject(notFound);
    await expect(globex.runs.delete(thread, run)).rejects.toMatchObject(notFound);
    await expect(globex.runs.create(thread, "counter", { input: { n: 1 } })).rejects.toMatchObject(
      notFound,
    );
    // A run of another tenant is not found under one's own thread either.
    const mine = await globex.threads.create();
    await expect(globex.runs.get(mine.thread_id, run)).rejects.toMatchObject(notFound);
    expect((await acme.threads.get(thread)).metadata).toMatchObject({ owner: "acme" });
  });

  it("refuses to make a thread under another tenant's thread id, which would share its state", async () => {
    await expect(
      globex.runs.create(owned.thread, "counter", { input: { n: 1 }, ifNotExists: "create" }),
    ).rejects.toMatchObject({
      status: 409,
      text: expect.stringContaining("THREAD_ID_UNAVAILABLE"),
    });
    await expect(globex.threads.create({ threadId: owned.thread })).rejects.toMatchObject({
      status: 409,
    });
    expect((await acme.threads.getState(owned.thread)).values).toEqual({ n: 4 });
  });

  it("hides another tenant's assistants and crons, and leaves them out of searches", async () => {
    await expect(globex.assistants.get(owned.assistant)).rejects.toMatchObject(notFound);
    await expect(globex.assistants.update(owned.assistant, { name: "x" })).rejects.toMatchObject(
      notFound,
    );
    await expect(globex.assistants.delete(owned.assistant)).rejects.toMatchObject(notFound);
    await expect(globex.crons.delete(owned.cron)).rejects.toMatchObject(notFound);
    await expect(
      globex.crons.createForThread(owned.thread, "counter", { schedule: "* * * * *" }),
    ).rejects.toMatchObject(notFound);
    const assistants = await globex.assistants.search({ limit: 100 });
    expect(assistants.map((a) => a.assistant_id)).not.toContain(owned.assistant);
    expect(assistants.every((a) => a.metadata?.created_by === "system")).toBe(true);
    expect(await globex.threads.search({ limit: 100, ids: [owned.thread] })).toEqual([]);
    expect((await globex.threads.search({ limit: 100 })).map((t) => t.thread_id)).not.toContain(
      owned.thread,
    );
    expect(await globex.crons.search({ limit: 100 })).toEqual([]);
    expect(await globex.crons.count()).toBe(0);
    expect((await acme.crons.search()).map((c) => c.cron_id)).toEqual([owned.cron]);
  });
});

describe("scopes", () => {
  it("lets a runs:read key read but not write (403), and a runs:write key not read", async () => {
    const reader = await server.client("acme", ["runs:read"]);
    expect((await reader.threads.get(owned.thread)).thread_id).toBe(owned.thread);
    await expect(
      reader.runs.create(owned.thread, "counter", { input: { n: 1 } }),
    ).rejects.toMatchObject({
      status: 403,
      text: expect.stringContaining("runs:write"),
    });
    await expect(reader.threads.create()).rejects.toMatchObject({ status: 403 });
    await expect(reader.crons.create("counter", { schedule: "* * * * *" })).rejects.toMatchObject({
      status: 403,
    });
    const writer = await server.client("acme", ["runs:write"]);
    await expect(writer.threads.get(owned.thread)).rejects.toMatchObject({ status: 403 });
    const anonymous = await fetch(`${server.url}/threads/search`, { method: "POST", body: "{}" });
    expect(anonymous.status).toBe(401);
  });
});

describe("validation", () => {
  it("answers 422 naming what was wrong", async () => {
    const { thread_id } = await acme.threads.create();
    const bad = (text: string) => ({ status: 422, text: expect.stringContaining(text) });
    await expect(
      acme.runs.create(thread_id, "counter", { input: { n: 1 }, streamMode: "bogus" as "values" }),
    ).rejects.toMatchObject(bad("body.stream_mode"));
    await expect(
      acme.runs.create(thread_id, "counter", { input: { n: 1 }, command: { resume: 1 } }),
    ).rejects.toMatchObject(bad("either input or command"));
    await expect(
      acme.runs.create(thread_id, "counter", { input: { n: 1 }, interruptBefore: ["nope"] }),
    ).rejects.toMatchObject(bad("interrupt_before names"));
    await expect(
      acme.runs.create(thread_id, "counter", { multitaskStrategy: "bogus" as "reject" }),
    ).rejects.toMatchObject(bad("body.multitask_strategy"));
    await expect(acme.threads.create({ ttl: 5 })).rejects.toMatchObject(bad("TTL"));
    await expect(acme.crons.create("counter", { schedule: "every tuesday" })).rejects.toMatchObject(
      bad("INVALID_CRON"),
    );
    await expect(acme.runs.create(thread_id, "no-such-graph", {})).rejects.toMatchObject(notFound);
  });

  it("ignores unknown fields instead of failing", async () => {
    const apiKey = await server.key("acme", ["admin"]);
    const response = await fetch(`${server.url}/threads`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": apiKey },
      body: JSON.stringify({ metadata: { a: 1 }, brand_new_option: { nested: true } }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ metadata: { a: 1 } });
  });

  it("documents every route in the OpenAPI document", async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: object };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/threads/{thread_id}/runs/stream",
        "/runs/crons/search",
        "/assistants/search",
      ]),
    );
  });
});
