/**
 * Long-term memory over the LangGraph Platform API, driven by the official
 * `@langchain/langgraph-sdk` Client (`client.store`): put, get, search, list namespaces and
 * delete; a served graph reading and writing the same items as `config.store`; and tenants
 * that never see each other's items.
 */
import {
  Annotation,
  InMemoryStore,
  type NodeConfig,
  START,
  StateGraph,
  type Store,
} from "@conclave/core";
import { langGraphApi } from "@conclave/server";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.ts";

const State = Annotation.Root({ user: Annotation<string>(), recalled: Annotation<string[]>() });

// Remembers the user's visit in the platform's store, and recalls every visit so far.
const remember = new StateGraph(State)
  .addNode("remember", async (state, config: NodeConfig) => {
    const store = config.store as Store;
    const namespace = ["users", state.user, "visits"];
    const seen = await store.search(namespace, { limit: 100 });
    await store.put(namespace, `visit-${seen.length + 1}`, { n: seen.length + 1 });
    return { recalled: (await store.search(namespace, { limit: 100 })).map((i) => i.key).sort() };
  })
  .addEdge(START, "remember")
  .compile();

let server: TestServer;
const clients: Record<string, Client> = {};

beforeAll(async () => {
  server = await startTestServer({
    graphs: { remember },
    modules: [langGraphApi],
    runtime: { items: new InMemoryStore() },
  });
  for (const tenant of ["acme", "globex"]) {
    const apiKey = await server.key(tenant, ["admin"]);
    clients[tenant] = new Client({ apiUrl: server.url, apiKey, callerOptions: { maxRetries: 0 } });
  }
});
afterAll(() => server.close());

describe("store API", () => {
  it("puts, gets, searches, lists namespaces and deletes items", async () => {
    const client = clients.acme!;
    await client.store.putItem(["prefs", "u1"], "theme", { color: "teal", size: 3 });
    await client.store.putItem(["prefs", "u2"], "theme", { color: "red", size: 5 });
    const item = await client.store.getItem(["prefs", "u1"], "theme");
    expect(item).toMatchObject({
      namespace: ["prefs", "u1"],
      key: "theme",
      value: { color: "teal", size: 3 },
    });
    expect(Date.parse(item!.createdAt)).not.toBeNaN();
    expect(await client.store.getItem(["prefs", "u1"], "missing")).toBeNull();

    const found = await client.store.searchItems(["prefs"], { filter: { size: { $gt: 4 } } });
    expect(found.items.map((i) => i.namespace)).toEqual([["prefs", "u2"]]);
    const namespaces = await client.store.listNamespaces({ prefix: ["prefs"] });
    expect(namespaces.namespaces.sort()).toEqual([
      ["prefs", "u1"],
      ["prefs", "u2"],
    ]);
    expect((await client.store.listNamespaces({ maxDepth: 1 })).namespaces).toEqual([["prefs"]]);

    await client.store.deleteItem(["prefs", "u1"], "theme");
    expect(await client.store.getItem(["prefs", "u1"], "theme")).toBeNull();
  });

  it("hands a run's graph its tenant's store as config.store, the items the API sees", async () => {
    const client = clients.acme!;
    await client.store.putItem(["users", "ada", "visits"], "visit-1", { n: 1 });
    const out = (await client.runs.wait(null, "remember", { input: { user: "ada" } })) as {
      recalled: string[];
    };
    expect(out.recalled).toEqual(["visit-1", "visit-2"]);
    const stored = await client.store.getItem(["users", "ada", "visits"], "visit-2");
    expect(stored?.value).toEqual({ n: 2 });
  });

  it("keeps each tenant's items apart, in the API and in runs", async () => {
    await clients.acme!.store.putItem(["shared"], "secret", { owner: "acme" });
    const other = clients.globex!;
    expect(await other.store.getItem(["shared"], "secret")).toBeNull();
    expect((await other.store.searchItems([])).items).toEqual([]);
    expect((await other.store.listNamespaces()).namespaces).toEqual([]);
    const out = (await other.runs.wait(null, "remember", { input: { user: "ada" } })) as {
      recalled: string[];
    };
    expect(out.recalled).toEqual(["visit-1"]);
    await other.store.deleteItem(["shared"], "secret");
    expect(await clients.acme!.store.getItem(["shared"], "secret")).not.toBeNull();
  });

  it("refuses a bad request with a 422 that says what was wrong", async () => {
    const response = await fetch(`${server.url}/store/items`, {
      method: "PUT",
      headers: {
        "x-api-key": await server.key("acme", ["admin"]),
        "content-type": "application/json",
      },
      body: JSON.stringify({ namespace: ["prefs"], key: "k", value: "not an object" }),
    });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/value/);
  });

  it("needs runs:write to change items and runs:read to read them", async () => {
    const reader = new Client({
      apiUrl: server.url,
      apiKey: await server.key("acme", ["runs:read"]),
      callerOptions: { maxRetries: 0 },
    });
    await expect(reader.store.putItem(["prefs"], "k", { a: 1 })).rejects.toThrow(/403/);
    await expect(reader.store.searchItems(["prefs"])).resolves.toBeDefined();
  });
});
